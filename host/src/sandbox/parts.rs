//! The parts of a policy (contract 0.3.0 on) and which of them a component provides itself.
//!
//! A 0.3.0 component exports `identity` and any of the four parts; the host asks the default
//! policy for every part it does not export, per call (`PolicyInstance`). Components of older
//! versions export one `policy` interface that holds every part.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// A part of a policy: one exported interface of contract 0.3.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// `config`: reads the config file into settings (`load-config`, `parse-model-reference`).
    Config,
    /// `discovery`: decides which models users see (`discover`).
    Discovery,
    /// `routing`: the routing plan and the answers for references it does not cover.
    Routing,
    /// `chat`: whole requests for the command line (`chat`, `probe`).
    Chat,
}

impl Part {
    /// Every part, in the order the host runs them.
    pub const ALL: [Part; 4] = [Part::Config, Part::Discovery, Part::Routing, Part::Chat];

    /// The interface's name, e.g. `routing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Config => "config",
            Part::Discovery => "discovery",
            Part::Routing => "routing",
            Part::Chat => "chat",
        }
    }

    fn index(self) -> usize {
        match self {
            Part::Config => 0,
            Part::Discovery => 1,
            Part::Routing => 2,
            Part::Chat => 3,
        }
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who provides a part of a loaded policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// The component itself.
    Own,
    /// The default policy, for a part the component does not export.
    Default,
}

impl Provider {
    /// `own` or `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Own => "own",
            Provider::Default => "default",
        }
    }
}

/// Which parts a component provides itself; the default policy provides the rest. Displayed
/// as `routing (own); config, discovery, chat (default policy)`; serialized as an object from
/// part to `own` or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    own: [bool; 4],
}

impl Parts {
    /// Every part its own (a whole policy, and every component of contract 0.1.0 or 0.2.0).
    pub const WHOLE: Parts = Parts { own: [true; 4] };

    /// The parts set in `own` (in [`Part::ALL`] order) are the component's.
    pub(crate) fn from_exported(own: [bool; 4]) -> Self {
        Self { own }
    }

    /// Who provides `part`.
    pub fn provider(&self, part: Part) -> Provider {
        if self.own[part.index()] { Provider::Own } else { Provider::Default }
    }

    /// Whether the component provides `part` itself.
    pub fn is_own(&self, part: Part) -> bool {
        self.provider(part) == Provider::Own
    }

    /// Whether the component provides every part (nothing is asked of the default policy).
    pub fn is_whole(&self) -> bool {
        self.own.iter().all(|own| *own)
    }

    /// The parts `provider` provides, in [`Part::ALL`] order.
    pub fn by(&self, provider: Provider) -> impl Iterator<Item = Part> + '_ {
        Part::ALL.into_iter().filter(move |part| self.provider(*part) == provider)
    }
}

impl std::fmt::Display for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |provider| self.by(provider).map(Part::as_str).collect::<Vec<_>>().join(", ");
        match (list(Provider::Own), list(Provider::Default)) {
            (own, default) if default.is_empty() => write!(f, "{own} (own)"),
            (own, default) if own.is_empty() => write!(f, "{default} (default policy)"),
            (own, default) => write!(f, "{own} (own); {default} (default policy)"),
        }
    }
}

impl Serialize for Parts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Part::ALL.len()))?;
        for part in Part::ALL {
            map.serialize_entry(part.as_str(), &self.provider(part))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::Parts;

    #[test]
    fn parts_read_as_own_and_default() {
        // (own: config, discovery, routing, chat; as displayed; as JSON)
        let cases = [
            ([true; 4], "config, discovery, routing, chat (own)", r#"{"config":"own","discovery":"own","routing":"own","chat":"own"}"#),
            (
                [false, false, true, false],
                "routing (own); config, discovery, chat (default policy)",
                r#"{"config":"default","discovery":"default","routing":"own","chat":"default"}"#,
            ),
            (
                [true, true, false, false],
                "config, discovery (own); routing, chat (default policy)",
                r#"{"config":"own","discovery":"own","routing":"default","chat":"default"}"#,
            ),
        ];
        for (own, shown, json) in cases {
            let parts = Parts::from_exported(own);
            assert_eq!(parts.to_string(), shown);
            assert_eq!(serde_json::to_string(&parts).expect("serializes"), json);
            assert_eq!(parts.is_whole(), own == [true; 4]);
        }
    }
}
