//! `doublet index add|compact|stats`: the index's writers and its numbers,
//! on the command line; the work is done by [`doublet::index`].

use std::process::ExitCode;

use doublet::index::{self, Index, Stats, Store};
use doublet::source::{self, Input, Severity};

use crate::cli::{AddArgs, IndexCommand};
use crate::{fail, finish_stdout, params_and_filter, thread_pool};

pub fn run(command: IndexCommand) -> ExitCode {
    match command {
        IndexCommand::Add(args) => add(&args),
        IndexCommand::Compact(args) => match index::compact(&args.index) {
            Ok(c) => {
                match &c.segment {
                    Some(name) => eprintln!("doublet: {} segments merged into {name}", c.merged),
                    None => eprintln!("doublet: nothing to compact (one segment or none)"),
                }
                if c.without_anchors > 0 {
                    eprintln!(
                        "doublet: {} of the merged segments were written by an earlier doublet without passage \
                         anchors, so the new one holds none: containment and passages are not searched against \
                         it (index the files again to search them)",
                        c.without_anchors
                    );
                }
                if c.removed > 0 {
                    eprintln!("doublet: {} leftover or retired files removed", c.removed);
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        IndexCommand::Stats(args) => match Index::open(&args.index) {
            Ok(i) => finish_stdout(|out| out.write_all(Stats::of(&i).to_text().as_bytes())),
            Err(e) => fail(&e),
        },
        IndexCommand::Verify(args) => match Index::open(&args.index).and_then(|i| i.verify().map(|()| i)) {
            Ok(i) => {
                let s = Stats::of(&i);
                eprintln!("doublet: {} segments, {} bytes: every block matches its checksum", s.segments, s.bytes);
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

fn add(add: &AddArgs) -> ExitCode {
    let args = &add.index;
    let scan = &args.scan;
    let (params, filter) = match params_and_filter(scan) {
        Ok(pf) => pf,
        Err(code) => return code,
    };
    let pool = match thread_pool(scan.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let inputs: Vec<Input> = scan.paths.iter().map(|p| Input::parse(p)).collect();
    let outcome = pool.install(|| {
        let found = source::discover_filtered(&inputs, &filter);
        let what = Store { anchors: !add.no_passages };
        index::add(&args.dir.index, found.sources, &params, what).map(|mut added| {
            let mut diagnostics = found.diagnostics;
            diagnostics.append(&mut added.diagnostics);
            added.diagnostics = diagnostics;
            added
        })
    });
    let added = match outcome {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    for d in &added.diagnostics {
        if d.severity == Severity::Error || !scan.quiet {
            eprintln!("doublet: {d}");
        }
    }
    if !scan.quiet {
        let dir = args.dir.index.display();
        match &added.segment {
            Some(name) => {
                let files = if added.files == 1 { "file" } else { "files" };
                eprintln!("doublet: {} {files}, {} items added to {dir} ({name})", added.files, added.items)
            }
            None => eprintln!("doublet: nothing added to {dir}"),
        }
    }
    if added.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
