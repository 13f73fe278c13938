//! The `doublet` command: parse arguments, run the library, print, and map
//! the outcome to an exit status (0 nothing found, 1 found, 2 error).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use doublet::report::{self, Csv, Github, Html, Json, Line, Markdown, Report, Sarif, Text};
use doublet::scan;
use doublet::source::{self, Input, Severity};

mod cli;
mod progress;

use cli::{Cli, Color, Command, Format, ScanArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => run_scan(&args),
    }
}

fn run_scan(args: &ScanArgs) -> ExitCode {
    let params = match args.params() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("doublet: {e}");
            return ExitCode::from(2);
        }
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = match pool.build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("doublet: cannot start worker threads: {e}");
            return ExitCode::from(2);
        }
    };
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let progress = progress::Progress::new(args.quiet);
    let result = pool.install(|| {
        let (sources, diagnostics) = source::discover(&inputs);
        scan::scan(sources, diagnostics, &params, &progress)
    });
    progress.finish();

    for d in &result.diagnostics {
        if d.severity == Severity::Error || !args.quiet {
            eprintln!("doublet: {d}");
        }
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let reporter: Box<dyn Report> = match args.format {
        Format::Text => Box::new(Text { color }),
        Format::Json => Box::new(Json),
        Format::Html => Box::new(Html),
        Format::Sarif => Box::new(Sarif),
        Format::Markdown => Box::new(Markdown),
        Format::Csv => Box::new(Csv),
        Format::Github => Box::new(Github),
        Format::Line => Box::new(Line),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = reporter.write(&result, &mut out).and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("doublet: writing the report: {e}");
            return ExitCode::from(2);
        }
    }
    if !args.quiet {
        eprintln!("doublet: {}", report::summary_line(&result));
    }
    if result.has_errors() {
        ExitCode::from(2)
    } else if !result.found_anything() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
