//! The `doublet` command: parse arguments (with doublet.toml's settings in
//! front), run the library, write the report, and map the gates' verdict to
//! an exit status (0 no gate tripped, 1 a gate tripped, 2 an error).

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use doublet::baseline::Baseline;
use doublet::report::{self, Csv, Github, Html, Json, Line, Markdown, Report, Sarif, Text};
use doublet::scan::handoff::{self, Handoff};
use doublet::scan::{self, ScanResult};
use doublet::source::{self, io_message, Diagnostic, Filter, Input, Severity};

mod cli;
mod config;
mod index_cmd;
mod progress;

use cli::{Cli, Color, Command, Format, ScanArgs};

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let mut resolved = None;
    // Every command that takes scan's options reads doublet.toml.
    let word = |i: usize| argv.get(i).and_then(|a| a.to_str());
    let names: &[&str] = match (word(1), word(2)) {
        (Some("scan"), _) => &["scan"],
        (Some("check"), _) => &["check"],
        (Some("sketch"), _) => &["sketch"],
        (Some("blocks"), _) => &["blocks"],
        (Some("index"), Some("add")) => &["index", "add"],
        _ => &[],
    };
    let argv = if names.is_empty() {
        argv
    } else {
        match config::resolve_for(names, &argv[1 + names.len()..]) {
            Ok(r) => resolved.insert(r).argv.clone(),
            Err(e) => return fail(&e),
        }
    };
    let cli = Cli::parse_from(argv);
    let resolved = resolved.as_ref();
    match cli.command {
        Command::Scan(args) => run_scan(&args, resolved, None, &handoff::Local),
        Command::Check(args) => run_scan(&args.scan, resolved, Some(&args.dir.index), &handoff::Local),
        Command::Index(command) => index_cmd::run(command),
        Command::Sketch(args) => run_sketch(&args.out, &args.scan),
        Command::Blocks(args) => {
            match args.scan.params().and_then(|p| doublet::spark::Groups::open(&args.groups, &p)) {
                Ok(groups) => run_scan(&args.scan, resolved, None, &groups),
                Err(e) => fail(&e),
            }
        }
        Command::Config(args) => match config::resolve(&args.args) {
            Ok(r) => finish_stdout(|out| r.show(out)),
            Err(e) => fail(&e),
        },
        Command::Completions { shell } => finish_stdout(|out| {
            clap_complete::generate(shell, &mut Cli::command(), "doublet", out);
            Ok(())
        }),
        Command::Man => finish_stdout(man),
    }
}

/// Prints an error and gives exit status 2.
pub(crate) fn fail(message: &str) -> ExitCode {
    eprintln!("doublet: {message}");
    ExitCode::from(2)
}

/// Runs `write` on buffered stdout; a closed pipe is not an error.
pub(crate) fn finish_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(&format!("writing to standard output: {e}")),
    }
}

/// One manual page: the command, then the options of each subcommand under
/// its own heading.
fn man(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_arguments().next().is_some()) {
        // clap takes headings as static strings; this one lives until the
        // process, which prints the page and exits, ends.
        let heading: &'static str = Box::leak(format!("{} options", sub.get_name()).into_boxed_str());
        // Built first, so that `--help` is there to take the heading too.
        let mut sub = sub.clone();
        sub.build();
        let sub = sub.mut_args(|a| a.help_heading(heading));
        clap_mangen::Man::new(sub).render_options_section(out)?;
    }
    Ok(())
}

/// The parameters and the path filter that scan options give; an error is
/// printed and becomes exit status 2.
pub(crate) fn params_and_filter(args: &ScanArgs) -> Result<(scan::Params, Filter), ExitCode> {
    let params = args.params().map_err(|e| fail(&e))?;
    let filter = Filter::new(!args.no_ignore, &args.exclude).map_err(|e| fail(&e))?;
    Ok((params, filter))
}

/// The worker threads of a run: `threads`, or one per core.
pub(crate) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, ExitCode> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n.max(1));
    }
    pool.build().map_err(|e| fail(&format!("cannot start worker threads: {e}")))
}

/// `scan`, or with `index` a `check` against that index; `handoff` says
/// where candidate pairs come from.
fn run_scan(
    args: &ScanArgs,
    resolved: Option<&config::Resolved>,
    index: Option<&Path>,
    handoff: &dyn Handoff,
) -> ExitCode {
    let blame = |e: &str| resolved.map_or_else(|| e.to_string(), |r| r.blame(e));
    let params = match args.params() {
        Ok(p) => p,
        Err(e) => return fail(&blame(&e)),
    };
    let index =
        match index.map(|dir| doublet::index::Index::open(dir).and_then(|i| i.check_params(&params).map(|()| i))) {
            Some(Err(e)) => return fail(&e),
            opened => opened.and_then(Result::ok),
        };
    let filter = match Filter::new(!args.no_ignore, &args.exclude) {
        Ok(f) => f,
        Err(e) => return fail(&blame(&e)),
    };
    let gate = args.gate();
    // Read before scanning: a bad baseline should not cost a scan.
    let baseline = match &args.baseline {
        Some(path) if !args.update_baseline => match Baseline::read(path) {
            Ok(b) => Some(b),
            Err(e) if !path.exists() => return fail(&format!("{e} (write it with --update-baseline)")),
            Err(e) => return fail(&e),
        },
        _ => None,
    };
    let mut result = match scan_paths(args, &params, &filter, index.as_ref(), handoff) {
        Ok(r) => r,
        Err(code) => return code,
    };

    if let (Some(path), true) = (&args.baseline, args.update_baseline) {
        let written = doublet::atomic::write_file(path, |w| w.write_all(Baseline::of(&result).to_json().as_bytes()));
        match written {
            Ok(()) => {
                let n = result.findings.len();
                let what = format!("baseline written: {n} accepted {}", if n == 1 { "finding" } else { "findings" });
                result.diagnostics.push(Diagnostic::note(path.display().to_string(), what));
            }
            Err(e) => return fail(&format!("{}: cannot write the baseline: {}", path.display(), io_message(&e))),
        }
    }
    if let (Some(b), Some(path)) = (&baseline, &args.baseline) {
        let applied = b.apply(&mut result);
        if applied.gone > 0 {
            let n = applied.gone;
            let what = if n == 1 { "accepted finding no longer occurs" } else { "accepted findings no longer occur" };
            result.diagnostics.push(Diagnostic::note(path.display().to_string(), format!("{n} {what}")));
        }
    }

    for d in &result.diagnostics {
        if d.severity == Severity::Error || !args.quiet {
            eprintln!("doublet: {d}");
        }
    }
    if let Err(code) = write_report(args, &result) {
        return code;
    }
    let trips = gate.check(&result);
    if !args.quiet {
        eprintln!("doublet: {}", report::summary_line(&result));
        if !args.update_baseline {
            for t in &trips {
                eprintln!("doublet: gate tripped: {t}");
            }
        }
    }
    if result.has_errors() {
        ExitCode::from(2)
    } else if args.update_baseline || trips.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `doublet sketch`: the scan up to its exact groups, the tables written to
/// `out`; exit status 0, or 2 when a file or the tables could not be written.
fn run_sketch(out: &Path, args: &ScanArgs) -> ExitCode {
    let (params, filter) = match params_and_filter(args) {
        Ok(pf) => pf,
        Err(code) => return code,
    };
    let sketch = doublet::spark::Sketch::new(out);
    let result = match scan_paths(args, &params, &filter, None, &sketch) {
        Ok(r) => r,
        Err(code) => return code,
    };
    for d in &result.diagnostics {
        if d.severity == Severity::Error || !args.quiet {
            eprintln!("doublet: {d}");
        }
    }
    match sketch.written() {
        Some(w) if !result.has_errors() => {
            if !args.quiet {
                eprintln!(
                    "doublet: {} files, {} items, {} exact groups, {} band rows written to {} ({} + {} part files)",
                    result.summary.files,
                    w.items,
                    w.groups,
                    w.band_rows,
                    out.display(),
                    w.paragraph_parts,
                    w.band_parts
                );
            }
            ExitCode::SUCCESS
        }
        _ => ExitCode::from(2),
    }
}

/// Finds and scans `args.paths` on `args.threads` workers, with a progress
/// bar unless `--quiet`; the error is the exit status to end with.
fn scan_paths(
    args: &ScanArgs,
    params: &scan::Params,
    filter: &Filter,
    index: Option<&doublet::index::Index>,
    handoff: &dyn Handoff,
) -> Result<ScanResult, ExitCode> {
    let pool = thread_pool(args.threads)?;
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let progress = progress::Progress::new(args.quiet);
    let result = pool.install(|| {
        let found = source::discover_filtered(&inputs, filter);
        let mut result = match index {
            Some(index) => doublet::index::check(index, found.sources, found.diagnostics, params, &progress)?,
            None => scan::scan_with(found.sources, found.diagnostics, params, &progress, handoff),
        };
        result.summary.excluded = found.excluded;
        Ok::<_, String>(result)
    });
    progress.finish();
    result.map_err(|e| fail(&e))
}

/// Writes the report to stdout or, atomically, to `--output`; the error is
/// the exit status to end with (a closed stdout ends quietly with 0).
fn write_report(args: &ScanArgs, result: &ScanResult) -> Result<(), ExitCode> {
    let to_stdout = args.output == Path::new("-");
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            to_stdout && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
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
    if !to_stdout {
        return doublet::atomic::write_file(&args.output, |w| reporter.write(result, w))
            .map_err(|e| fail(&format!("{}: cannot write the report: {}", args.output.display(), io_message(&e))));
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match reporter.write(result, &mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(e) => Err(fail(&format!("writing the report: {e}"))),
    }
}
