//! Why a policy could not be loaded or a policy call failed.

use std::time::Duration;

/// A failure to load, check or run a policy component. Every message is one line that names
/// the component (or the call) and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The component file could not be read.
    #[error("cannot read policy {origin}: {source}")]
    Read {
        /// Where the component was to come from.
        origin: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a valid WebAssembly component (or not one this engine can run).
    #[error("{origin} is not a usable WebAssembly component: {message}")]
    Compile {
        /// Where the component came from.
        origin: String,
        /// The compiler's reason.
        message: String,
    },
    /// The component needs imports this host does not provide.
    #[error("{origin} cannot be linked into this host: {message}")]
    Link {
        /// Where the component came from.
        origin: String,
        /// The linker's reason.
        message: String,
    },
    /// The component does not export the `openclaw:bedrock/policy` interface this host calls.
    #[error("{origin} does not implement the openclaw:bedrock policy world: {message}")]
    NotAPolicy {
        /// Where the component came from.
        origin: String,
        /// What is missing or mismatched.
        message: String,
    },
    /// A precompiled component this host cannot prove it made itself: never mapped.
    #[error("refusing precompiled policy {origin}: {message}")]
    Unverified {
        /// Where the file came from.
        origin: String,
        /// Why it cannot be verified.
        message: String,
    },
    /// The component ran but refused itself, or its self-check failed.
    #[error("{origin} failed its self-check: {message}")]
    SelfCheck {
        /// Where the component came from.
        origin: String,
        /// The component's reason, or the call failure.
        message: String,
    },
    /// The call is not part of the component's contract version.
    #[error("policy call `{call}` does not exist in {contract}")]
    Unsupported {
        /// The export called.
        call: &'static str,
        /// The component's contract version.
        contract: super::Contract,
    },
    /// A call needs a part that neither the component nor the default policy exports.
    #[error("policy call `{call}` needs the `{part}` part, which neither the component nor the default policy exports")]
    MissingPart {
        /// The part.
        part: super::Part,
        /// The export called.
        call: &'static str,
    },
    /// A guest call ran past its deadline and was stopped.
    #[error("policy call `{call}` ran past its deadline of {} ms and was stopped", deadline.as_millis())]
    Deadline {
        /// The export called.
        call: &'static str,
        /// The deadline it had.
        deadline: Duration,
    },
    /// A guest call tried to grow memory past its cap and was stopped.
    #[error("policy call `{call}` tried to use more than {} MiB of memory and was stopped", cap_bytes >> 20)]
    MemoryCap {
        /// The export called.
        call: &'static str,
        /// The cap in bytes.
        cap_bytes: usize,
    },
    /// A guest call trapped (a panic, an unreachable, a bad access, ...).
    #[error("policy call `{call}` trapped: {message}")]
    Trap {
        /// The export called.
        call: &'static str,
        /// The trap.
        message: String,
    },
    /// The instance trapped earlier and cannot be used again.
    #[error("this policy instance trapped earlier and cannot be used again; start a new one")]
    Poisoned,
    /// The engine could not be set up.
    #[error("cannot start the policy engine: {0}")]
    Engine(String),
}

impl PolicyError {
    /// True for failures of a guest call (as opposed to loading a component).
    pub fn is_call_failure(&self) -> bool {
        matches!(self, Self::Deadline { .. } | Self::MemoryCap { .. } | Self::Trap { .. } | Self::Poisoned)
    }
}

/// One line from a wasmtime error and its causes.
pub(crate) fn one_line(error: &wasmtime::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}
