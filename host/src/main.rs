//! `openclaw-bedrock`: the Bedrock provider's command line. Parses, then dispatches to [`cli`].

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging();
    cli::exit_quietly_when_stdout_closes();
    cli::run(args)
}
