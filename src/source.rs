//! Where text comes from: paths on the command line, directories walked
//! recursively, and standard input.
//!
//! Discovery is sequential and sorted, so the order of files (and with it the
//! order of the report) never depends on the directory order on disk. A path
//! that cannot be read is reported and skipped; the rest of the run goes on.
//! Hidden files and directories are skipped inside a walk (as `.git` should
//! be), symbolic links are followed with loop detection, and anything that is
//! not a regular file (FIFO, socket, device) met inside a walk is skipped with
//! a note. A FIFO named explicitly is read from whatever writer is connected;
//! with none connected it reads as empty instead of waiting forever. The same
//! file reached twice (named twice, or through a link) is scanned once.
//!
//! A walk honours `.gitignore`, `.ignore` and `.git/info/exclude` files (in
//! the walked directories and their parents, inside a git checkout or not),
//! so build output and vendored copies are not reported as duplicates.
//! Exclusion globs ([`Filter`]) leave out walked paths and paths named
//! explicitly alike; they are counted, not listed.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ignore::overrides::{Override, OverrideBuilder};

/// An input named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input; anything else a path.
    pub fn parse(arg: &std::ffi::OsStr) -> Self {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// One file to scan, named as the user named it (a walked file is the
/// directory argument joined with the path below it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Stdin,
    File {
        path: PathBuf,
        fifo: bool,
    },
    /// Bytes handed over by a library caller.
    Memory(std::sync::Arc<Vec<u8>>),
}

/// Name under which standard input appears in reports.
pub const STDIN_NAME: &str = "<stdin>";

/// Something to tell the user about one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The path could not be scanned; the run's exit status becomes 2.
    Error,
    /// The path was skipped on purpose (binary, not a regular file, seen before).
    Note,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Diagnostic {
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, path: path.into(), message: message.into() }
    }

    pub fn note(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Note, path: path.into(), message: message.into() }
    }
}

/// What discovery leaves out besides hidden files.
#[derive(Clone, Debug)]
pub struct Filter {
    /// Honour `.gitignore`, `.ignore` and `.git/info/exclude` in walks.
    pub ignore_files: bool,
    /// Gitignore-style globs of paths to leave out, matched against the path
    /// as it is reported (a glob without `/` matches a name at any depth) and
    /// against every directory above it.
    excludes: Arc<Override>,
}

impl Default for Filter {
    fn default() -> Self {
        Self { ignore_files: true, excludes: Arc::new(Override::empty()) }
    }
}

impl Filter {
    /// A filter with these exclusion globs; the error names the bad glob.
    pub fn new(ignore_files: bool, excludes: &[String]) -> Result<Self, String> {
        let mut b = OverrideBuilder::new(".");
        for glob in excludes {
            b.add(&format!("!{glob}")).map_err(|e| format!("--exclude {glob}: {}", walk_error(&e).1))?;
        }
        let excludes = b.build().map_err(|e| format!("--exclude: {}", walk_error(&e).1))?;
        Ok(Self { ignore_files, excludes: Arc::new(excludes) })
    }

    /// Whether `path`, or a directory above it, is excluded by a glob.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        if self.excludes.is_empty() {
            return false;
        }
        self.excludes.matched(path, is_dir).is_ignore()
            || path
                .ancestors()
                .skip(1)
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| self.excludes.matched(a, true).is_ignore())
    }
}

/// The files to scan, what to tell about the others, and how many paths
/// exclusion globs left out.
#[derive(Debug, Default)]
pub struct Discovery {
    pub sources: Vec<Source>,
    pub diagnostics: Vec<Diagnostic>,
    pub excluded: usize,
}

/// Expands `inputs` into the files to scan, in a deterministic order, with
/// the default [`Filter`].
pub fn discover(inputs: &[Input]) -> (Vec<Source>, Vec<Diagnostic>) {
    let d = discover_filtered(inputs, &Filter::default());
    (d.sources, d.diagnostics)
}

/// Expands `inputs` into the files to scan, leaving out what `filter` says.
pub fn discover_filtered(inputs: &[Input], filter: &Filter) -> Discovery {
    let mut sources = Vec::new();
    let mut diags = Vec::new();
    let excluded = Arc::new(AtomicUsize::new(0));
    let mut seen: HashMap<(u64, u64), String> = HashMap::new();
    let mut stdin_seen = false;
    let mut add = |path: PathBuf,
                   meta: &std::fs::Metadata,
                   fifo: bool,
                   sources: &mut Vec<Source>,
                   diags: &mut Vec<Diagnostic>| {
        let name = path.display().to_string();
        if let Some(id) = file_id(meta) {
            if let Some(first) = seen.get(&id) {
                diags.push(Diagnostic::note(name, format!("same file as {first}, scanned once")));
                return;
            }
            seen.insert(id, name.clone());
        }
        sources.push(Source { name, origin: Origin::File { path, fifo } });
    };
    for input in inputs {
        let path = match input {
            Input::Stdin => {
                if stdin_seen {
                    diags.push(Diagnostic::note(STDIN_NAME, "standard input named twice, read once"));
                } else {
                    stdin_seen = true;
                    sources.push(Source { name: STDIN_NAME.into(), origin: Origin::Stdin });
                }
                continue;
            }
            Input::Path(p) => p,
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                diags.push(Diagnostic::error(path.display().to_string(), io_message(&e)));
                continue;
            }
        };
        if filter.excludes(path, meta.is_dir()) {
            excluded.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if meta.is_dir() {
            for (p, m) in walk(path, filter, &excluded, &mut diags) {
                add(p, &m, false, &mut sources, &mut diags);
            }
        } else if meta.is_file() {
            add(path.clone(), &meta, false, &mut sources, &mut diags);
        } else if is_fifo(&meta) {
            add(path.clone(), &meta, true, &mut sources, &mut diags);
        } else {
            diags.push(Diagnostic::note(path.display().to_string(), "not a regular file, skipped"));
        }
    }
    let excluded = excluded.load(Ordering::Relaxed);
    Discovery { sources, diagnostics: diags, excluded }
}

/// Regular files below `root`, sorted by path; problems go to `diags`,
/// paths left out by exclusion globs are counted in `excluded`.
fn walk(
    root: &Path,
    filter: &Filter,
    excluded: &Arc<AtomicUsize>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(PathBuf, std::fs::Metadata)> {
    let mut files = Vec::new();
    let (globs, count) = (Arc::clone(&filter.excludes), Arc::clone(excluded));
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .ignore(filter.ignore_files)
        .git_ignore(filter.ignore_files)
        .git_exclude(filter.ignore_files)
        .parents(filter.ignore_files)
        .require_git(false)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            let out = e.depth() > 0 && globs.matched(e.path(), e.file_type().is_some_and(|t| t.is_dir())).is_ignore();
            if out {
                count.fetch_add(1, Ordering::Relaxed);
            }
            !out
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (path, message) = walk_error(&e);
                diags.push(Diagnostic::error(path.unwrap_or_else(|| root.display().to_string()), message));
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        let name = entry.path().display().to_string();
        match entry.metadata() {
            Ok(m) if m.is_file() => files.push((entry.into_path(), m)),
            Ok(_) => diags.push(Diagnostic::note(name, "not a regular file, skipped")),
            Err(e) => diags.push(Diagnostic::error(name, walk_error(&e).1)),
        }
    }
    files
}

/// The path and a one-line message of a walk error, without the nesting that
/// `ignore::Error` wraps around it.
fn walk_error(e: &ignore::Error) -> (Option<String>, String) {
    match e {
        ignore::Error::WithPath { path, err } => (Some(path.display().to_string()), walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error(err),
        ignore::Error::Loop { ancestor, child } => (
            Some(child.display().to_string()),
            format!("symbolic link loop back to {}, not followed", ancestor.display()),
        ),
        ignore::Error::Io(io) => (None, io_message(io)),
        other => (None, other.to_string()),
    }
}

/// A short, lower-case I/O error message without the `(os error N)` suffix.
pub fn io_message(e: &io::Error) -> String {
    let s = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => s,
    }
}

/// Reads one source completely; a file named `.gz` or `.zst` (or bytes in
/// memory named so) is decompressed while it is read
/// ([`crate::input::compressed`]). Standard input is read as it comes.
pub fn read(source: &Source) -> io::Result<Vec<u8>> {
    match &source.origin {
        Origin::Stdin => {
            let mut buf = Vec::new();
            io::stdin().lock().read_to_end(&mut buf)?;
            Ok(buf)
        }
        Origin::File { path, fifo: false } => crate::input::compressed::read_file(path),
        Origin::File { path, fifo: true } => read_fifo(path),
        Origin::Memory(bytes) => crate::input::compressed::decode_named(&source.name, bytes),
    }
}

/// Whether the first 8 KiB hold a NUL byte: the binary-file test of grep and
/// ripgrep. Text in UTF-16 also trips it, which is right: it is not UTF-8.
pub fn looks_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn is_fifo(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::Metadata) -> bool {
    false
}

/// Opens a FIFO without waiting for a writer, then reads in blocking mode:
/// with a writer connected it reads to the writer's end, with none it is
/// at end of file at once.
#[cfg(unix)]
fn read_fifo(path: &Path) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let mut file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is an open descriptor owned by `file` for the whole block;
    // F_GETFL/F_SETFL only read and set its status flags.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(not(unix))]
fn read_fifo(path: &Path) -> io::Result<Vec<u8>> {
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files `names` (relative, with their directories) below `dir`.
    fn create(dir: &Path, names: &[&str]) {
        for name in names {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
    }

    #[test]
    fn walk_is_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &["b.txt", "a.txt", ".hidden.txt", "sub/c.txt", ".git/x"]);
        let (sources, diags) = discover(&[Input::Path(dir.path().to_path_buf())]);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<_> = sources
            .iter()
            .map(|s| s.name.strip_prefix(&dir.path().display().to_string()).unwrap().to_string())
            .collect();
        assert_eq!(names, vec!["/a.txt", "/b.txt", "/sub/c.txt"]);
    }

    /// Names below `dir` of the files discovered from `inputs` (relative to
    /// `dir`), and the excluded count.
    fn found(dir: &Path, inputs: &[&str], filter: &Filter) -> (Vec<String>, usize) {
        let inputs: Vec<Input> = inputs.iter().map(|i| Input::Path(dir.join(i))).collect();
        let d = discover_filtered(&inputs, filter);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let prefix = format!("{}/", dir.display());
        (d.sources.iter().map(|s| s.name.strip_prefix(&prefix).unwrap().to_string()).collect(), d.excluded)
    }

    #[test]
    fn ignore_files_are_honoured_outside_a_git_checkout() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &["d/a.txt", "d/build/b.txt", "d/c.log", "d/keep.txt", "d/sub/x.txt"]);
        std::fs::write(dir.path().join("d/.gitignore"), "build/\n*.log\n").unwrap();
        std::fs::write(dir.path().join("d/sub/.ignore"), "x.txt\n").unwrap();
        let (names, excluded) = found(dir.path(), &["d"], &Filter::default());
        assert_eq!((names, excluded), (vec!["d/a.txt".to_string(), "d/keep.txt".to_string()], 0));
        let all = Filter::new(false, &[]).unwrap();
        assert_eq!(found(dir.path(), &["d"], &all).0.len(), 5);
    }

    #[test]
    fn exclusion_globs_apply_to_walks_and_named_files() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &["d/a.txt", "d/drafts/b.txt", "d/c.md", "e/drafts/f.txt"]);
        let filter = Filter::new(true, &["drafts/".to_string(), "*.md".to_string()]).unwrap();
        assert_eq!(found(dir.path(), &["d"], &filter), (vec!["d/a.txt".to_string()], 2));
        // Named explicitly: the file itself or a directory above it.
        assert_eq!(found(dir.path(), &["e/drafts/f.txt", "d/c.md", "d/a.txt"], &filter), (vec!["d/a.txt".into()], 2));
        assert!(Filter::new(true, &["a[".to_string()]).unwrap_err().starts_with("--exclude a[: "));
    }

    #[test]
    fn same_file_twice_is_scanned_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "x").unwrap();
        let (sources, diags) = discover(&[Input::Path(p.clone()), Input::Path(dir.path().to_path_buf())]);
        assert_eq!(sources.len(), 1);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("same file as"));
    }

    #[test]
    fn missing_path_is_an_error() {
        let (sources, diags) = discover(&[Input::Path("/nonexistent/doublet".into())]);
        assert!(sources.is_empty());
        assert_eq!(diags, vec![Diagnostic::error("/nonexistent/doublet", "no such file or directory")]);
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"abc\0def"));
        assert!(!looks_binary("plain 文本".as_bytes()));
        let mut late = vec![b'a'; 9000];
        late[8500] = 0;
        assert!(!looks_binary(&late));
    }
}
