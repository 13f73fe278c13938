//! End-to-end tests of the `doublet` binary: every test runs the built
//! executable (`CARGO_BIN_EXE_doublet`, which `cargo test` builds into
//! target/debug with the test profile) in a fresh temporary directory, as a
//! user would, and checks stdout, stderr and the exit status.
//!
//! The harness is deliberately small (in the style of ripgrep's tests): a
//! [`Dir`] creates files and runs commands inside itself, and a few helpers
//! parse the JSON Lines report.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// Longest any single run of the binary may take before the test fails
/// instead of hanging.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The seed page: one real newspaper page with one block printed twice.
const SEED: &str = "corpus/newspaper-page.txt";

/// What `doublet scan corpus/newspaper-page.txt` prints: the page's one
/// repeated block, paragraphs 38–39 and 40–41, lines 79–81 and 83–85 (line
/// 81, the block's last, has 142 characters).
/// Snippets are cut at 72 terminal columns, CJK characters counting two.
const SEED_GOLDEN: &str = "\
[1] exact, 2 paragraphs, 2 copies, similarity 1.000
  corpus/newspaper-page.txt:79:1-81:142  考生须凭本人准考证、有效身份证件,经人脸识别验证通过后,方可进入考场参加…
  corpus/newspaper-page.txt:83:1-85:142  考生须凭本人准考证、有效身份证件,经人脸识别验证通过后,方可进入考场参加…
";

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// A temporary directory that files are written into and commands run in.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        Self { tmp: tempfile::Builder::new().prefix("doublet-cli-").tempdir().unwrap() }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` to `name` (relative), creating parent directories.
    fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&p, contents).unwrap();
        p
    }

    fn mkdir(&self, name: &str) -> PathBuf {
        let p = self.path().join(name);
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// `doublet` run inside this directory.
    fn cmd(&self) -> Command {
        let mut c = doublet();
        c.current_dir(self.path());
        c
    }

    /// `doublet scan ARGS…` run inside this directory.
    fn scan(&self, args: &[&str]) -> Output {
        self.cmd().arg("scan").args(args).output().unwrap()
    }
}

/// The binary, with a timeout and an environment that does not depend on the
/// caller's (no NO_COLOR inherited).
fn doublet() -> Command {
    let mut c = Command::cargo_bin("doublet").unwrap();
    c.env_remove("NO_COLOR").timeout(TIMEOUT);
    c
}

/// `doublet scan ARGS…` run in the crate root, where the seed page lives.
fn scan_in_crate(args: &[&str]) -> Output {
    doublet().current_dir(env!("CARGO_MANIFEST_DIR")).arg("scan").args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or_else(|| panic!("killed by a signal (or timed out): {}", describe(o)))
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Everything about a run, for assertion messages.
fn describe(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        stderr(o)
    )
}

/// Asserts the exit status, showing the whole run when it differs.
#[track_caller]
fn assert_code(o: &Output, want: i32) {
    assert_eq!(o.status.code(), Some(want), "{}", describe(o));
}

/// Asserts that nothing went badly wrong inside the binary.
#[track_caller]
fn assert_no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{}", describe(o));
}

/// Waits for a child started with `std::process::Command`, killing it (and
/// failing the test) if it runs longer than [`TIMEOUT`].
fn wait_or_kill(mut child: std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("doublet did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The JSON Lines report, one value per line.
fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"))).collect()
}

fn findings(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|v| v["type"] == "finding").collect()
}

fn summary(lines: &[Value]) -> &Value {
    let last = lines.last().expect("a summary line");
    assert_eq!(last["type"], "summary", "{last}");
    last
}

/// `(byte_start, byte_end)` of each occurrence of a finding.
fn byte_ranges(f: &Value) -> Vec<(u64, u64)> {
    f["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["byte_start"].as_u64().unwrap(), o["byte_end"].as_u64().unwrap()))
        .collect()
}

fn paths(f: &Value) -> Vec<&str> {
    f["occurrences"].as_array().unwrap().iter().map(|o| o["path"].as_str().unwrap()).collect()
}

/// Byte range of the `n`th (0-based) occurrence of `needle` in `hay`.
fn find_nth(hay: &[u8], needle: &[u8], n: usize) -> (u64, u64) {
    let start = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .nth(n)
        .unwrap_or_else(|| panic!("occurrence {n} of {:?} not found", String::from_utf8_lossy(needle)))
        .0;
    (start as u64, (start + needle.len()) as u64)
}

/// A tiny deterministic PRNG (SplitMix64): reproducible corpora without a
/// `rand` dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let z = doublet::minhash::mix(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }
}

/// Made-up words from syllables: text that never collides by accident.
fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    const SYL: &[&str] = &[
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "zu", "xa", "qi", "bo", "de", "fu", "gi", "ho", "ju",
        "wy", "cle", "str", "om", "ip", "an",
    ];
    (0..n).map(|_| (0..rng.range(1, 4)).map(|_| *rng.pick(SYL)).collect()).collect()
}

/// `words` random words from `vocab`.
fn paragraph_words(rng: &mut Rng, vocab: &[String], words: usize) -> Vec<String> {
    (0..words).map(|_| rng.pick(vocab).clone()).collect()
}

/// Words as one paragraph: lines wrapped at 70 columns, a full stop at the end.
fn render(words: &[String]) -> String {
    let mut out = String::new();
    let mut col = 0;
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            if col + 1 + w.len() > 70 {
                out.push('\n');
                col = 0;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(w);
        col += w.len();
    }
    out.push('.');
    out
}

fn random_paragraph(rng: &mut Rng, vocab: &[String]) -> String {
    let n = rng.range(25, 60);
    render(&paragraph_words(rng, vocab, n))
}

/// Writes ~30 files of generated text into `dir/corpus`, with exact copies of
/// single paragraphs, lightly edited (near) copies, and copied blocks of three
/// paragraphs spread across files.
fn generated_corpus(dir: &Dir) {
    let mut rng = Rng(0x00D0_0B1E);
    let vocab = vocabulary(&mut rng, 3000);
    let files = 30;
    let mut docs: Vec<Vec<String>> =
        (0..files).map(|_| (0..rng.range(10, 20)).map(|_| random_paragraph(&mut rng, &vocab)).collect()).collect();
    let insert = |rng: &mut Rng, docs: &mut Vec<Vec<String>>, paras: &[String]| {
        let f = rng.range(0, files - 1);
        let at = rng.range(0, docs[f].len());
        for (i, p) in paras.iter().enumerate() {
            docs[f].insert(at + i, p.clone());
        }
    };
    // Exact copies of single paragraphs, 2 or 3 copies each.
    for _ in 0..15 {
        let p = random_paragraph(&mut rng, &vocab);
        for _ in 0..rng.range(2, 3) {
            insert(&mut rng, &mut docs, std::slice::from_ref(&p));
        }
    }
    // Near copies: the same words with two of them replaced.
    for _ in 0..10 {
        let n = rng.range(40, 60);
        let words = paragraph_words(&mut rng, &vocab, n);
        let mut edited = words.clone();
        for _ in 0..2 {
            let i = rng.range(0, n - 1);
            edited[i] = rng.pick(&vocab).clone();
        }
        insert(&mut rng, &mut docs, &[render(&words)]);
        insert(&mut rng, &mut docs, &[render(&edited)]);
    }
    // Blocks of three paragraphs copied whole.
    for _ in 0..6 {
        let block: Vec<String> = (0..3).map(|_| random_paragraph(&mut rng, &vocab)).collect();
        for _ in 0..2 {
            insert(&mut rng, &mut docs, &block);
        }
    }
    for (i, doc) in docs.iter().enumerate() {
        dir.create(&format!("corpus/doc{i:02}.txt"), doc.join("\n\n") + "\n");
    }
}

// Unrelated paragraphs, each long enough to be matched (well over the 20
// normalized characters of `--min-chars`).
const P1: &str = "The committee met on Tuesday to review the budget for the coming year.";
const P2: &str = "Every station along the northern line will close for repairs in March.";
const P3: &str = "Volunteers planted four hundred trees on the hills above the old quarry.";
const P4: &str = "A spokesman said the bridge would reopen once the inspection was complete.";

// ---------------------------------------------------------------------------
// 1. The seed page
// ---------------------------------------------------------------------------

#[test]
fn seed_page_text_report_is_golden() {
    let o = scan_in_crate(&[SEED]);
    assert_code(&o, 1);
    assert_eq!(stdout(&o), SEED_GOLDEN, "{}", describe(&o));
    assert!(stderr(&o).contains("1 finding (1 exact, 0 near)"), "{}", describe(&o));
}

#[test]
fn seed_page_json_report() {
    let o = scan_in_crate(&["--format", "json", SEED]);
    assert_code(&o, 1);
    let lines = json_lines(&o);

    let begin = &lines[0];
    assert_eq!(begin["type"], "begin");
    assert_eq!(begin["version"], env!("CARGO_PKG_VERSION"));
    let params = begin["params"].as_object().expect("params object");
    for key in ["method", "threshold", "ngram", "min_chars", "num_perm", "bands", "rows", "seed", "normalization"] {
        assert!(params.contains_key(key), "params lacks {key}: {begin}");
    }
    assert_eq!(params["method"], "minhash");
    assert_eq!(params["threshold"], 0.6);
    assert_eq!(params["ngram"], 5);
    assert_eq!(params["min_chars"], 20);
    assert_eq!(params["num_perm"], 128);
    assert_eq!(params["seed"], 0);
    assert!(params["normalization"].is_string());
    let (bands, rows) = (params["bands"].as_u64().unwrap(), params["rows"].as_u64().unwrap());
    assert!(bands >= 1 && rows >= 1 && bands * rows <= 128, "{begin}");

    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    let f = found[0];
    assert_eq!(f["id"], 1);
    assert_eq!(f["kind"], "exact");
    assert_eq!(f["similarity"], 1.0);
    assert_eq!(f["paragraphs"], 2);
    let occ = f["occurrences"].as_array().unwrap();
    assert_eq!(occ.len(), 2);
    let want = [(11142, 12143, 79, 81, 38, 39), (12145, 13146, 83, 85, 40, 41)];
    for (o, &(bs, be, ls, le, ps, pe)) in occ.iter().zip(&want) {
        assert_eq!(o["path"], SEED);
        assert_eq!(o["byte_start"], bs, "{o}");
        assert_eq!(o["byte_end"], be, "{o}");
        assert_eq!(o["line_start"], ls, "{o}");
        assert_eq!(o["line_end"], le, "{o}");
        assert_eq!(o["col_start"], 1, "{o}");
        assert_eq!(o["para_start"], ps, "{o}");
        assert_eq!(o["para_end"], pe, "{o}");
    }
    // The block's bytes really are the notice, byte-identical in both copies.
    let page = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    assert_eq!(page[11142..12143], page[12145..13146]);
    assert!(page[11142..].starts_with("考生须凭本人准考证、有效身份证件".as_bytes()));
    assert!(page[..12143].ends_with("由本人承担责任。".as_bytes()));

    let s = summary(&lines);
    assert_eq!(s["files"], 1);
    assert_eq!(s["findings"], 1);
    assert_eq!(s["exact_findings"], 1);
    assert_eq!(s["near_findings"], 0);
    assert_eq!(s["bytes"], 17795);
    assert_eq!(s["paragraphs"], 59);
    assert_eq!(s["errors"], 0);
    assert_eq!(lines.len(), 3, "begin, one finding, summary");
}

#[test]
fn seed_directory_scan_gives_the_same_single_finding() {
    let o = scan_in_crate(&["corpus/"]);
    assert_code(&o, 1);
    assert_eq!(stdout(&o), SEED_GOLDEN, "{}", describe(&o));
}

// ---------------------------------------------------------------------------
// 2. Determinism across thread counts
// ---------------------------------------------------------------------------

/// The JSON report without the fields that measure time.
fn without_timings(mut lines: Vec<Value>) -> Vec<Value> {
    let s = lines.last_mut().unwrap().as_object_mut().unwrap();
    assert!(s.remove("timings").is_some() && s.remove("elapsed").is_some(), "summary has timings and elapsed");
    // Resident memory varies from run to run as timings do.
    assert!(s.remove("memory").is_some(), "summary has memory");
    lines
}

#[test]
fn thread_count_does_not_change_the_report() {
    let dir = Dir::new();
    generated_corpus(&dir);

    let t1 = dir.scan(&["--threads", "1", "corpus"]);
    let t2 = dir.scan(&["--threads", "2", "corpus"]);
    assert_code(&t1, 1);
    assert_code(&t2, 1);
    assert!(!t1.stdout.is_empty());
    assert_eq!(stdout(&t1), stdout(&t2));

    let j1 = dir.scan(&["--threads", "1", "--format", "json", "corpus"]);
    let j2 = dir.scan(&["--threads", "2", "--format", "json", "corpus"]);
    assert_code(&j1, 1);
    assert_code(&j2, 1);
    let (l1, l2) = (json_lines(&j1), json_lines(&j2));
    let found = findings(&l1);
    let kinds = |k: &str| found.iter().filter(|f| f["kind"] == k).count();
    assert!(kinds("exact") > 0 && kinds("near") > 0, "both kinds expected: {}", describe(&j1));
    assert!(found.iter().any(|f| f["paragraphs"].as_u64().unwrap() >= 3), "a copied 3-paragraph block");
    assert_eq!(summary(&l1)["files"], 30);
    assert_eq!(without_timings(l1), without_timings(l2));
}

#[test]
fn memory_limit_changes_memory_not_the_report() {
    let dir = Dir::new();
    generated_corpus(&dir);
    let free = dir.scan(&["--format", "json", "corpus"]);
    let bounded = dir.scan(&["--format", "json", "--memory-limit", "0", "corpus"]);
    assert_code(&free, 1);
    assert_code(&bounded, 1);
    assert!(findings(&json_lines(&free)).len() > 5, "{}", describe(&free));
    assert_eq!(without_timings(json_lines(&free)), without_timings(json_lines(&bounded)));

    let bad = dir.scan(&["--memory-limit", "lots", "corpus"]);
    assert_code(&bad, 2);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--memory-limit") && err.contains("512M"), "{err}");
}

// ---------------------------------------------------------------------------
// 3. Exit status
// ---------------------------------------------------------------------------

#[test]
fn exit_0_and_empty_stdout_without_duplicates() {
    let dir = Dir::new();
    dir.create("a.txt", format!("{P1}\n\n{P2}\n"));
    dir.create("b.txt", format!("{P3}\n\n{P4}\n"));
    let o = dir.scan(&["a.txt", "b.txt"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("0 findings"), "{}", describe(&o));
}

#[test]
fn exit_1_when_duplicates_found() {
    let dir = Dir::new();
    dir.create("a.txt", format!("{P1}\n\n{P2}\n"));
    dir.create("b.txt", format!("{P3}\n\n{P1}\n"));
    let o = dir.scan(&["a.txt", "b.txt"]);
    assert_code(&o, 1);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{}", describe(&o));
    assert_eq!(lines[0], "[1] exact, 1 paragraph, 2 copies, similarity 1.000");
    // `path:line:col-line:col`, two spaces, then the start of the paragraph.
    let n = P1.len();
    assert!(lines[1].starts_with(&format!("  a.txt:1:1-1:{n}  {}", &P1[..40])), "{out}");
    assert!(lines[2].starts_with(&format!("  b.txt:3:1-3:{n}  {}", &P1[..40])), "{out}");
}

#[test]
fn missing_path_exits_2_and_other_files_are_still_scanned() {
    let dir = Dir::new();
    dir.create("a.txt", format!("{P1}\n\n{P2}\n"));
    dir.create("b.txt", format!("{P3}\n\n{P1}\n"));
    let o = dir.scan(&["a.txt", "missing.txt", "b.txt"]);
    assert_code(&o, 2);
    assert!(stderr(&o).lines().any(|l| l == "doublet: missing.txt: no such file or directory"), "{}", describe(&o));
    let out = stdout(&o);
    assert!(out.starts_with("[1] exact, 1 paragraph, 2 copies"), "{}", describe(&o));
    assert!(out.contains("a.txt:1:1-") && out.contains("b.txt:3:1-"), "{}", describe(&o));

    let j = dir.scan(&["--format", "json", "a.txt", "missing.txt", "b.txt"]);
    assert_code(&j, 2);
    let lines = json_lines(&j);
    assert_eq!(findings(&lines).len(), 1);
    assert_eq!(summary(&lines)["errors"], 1);
    assert_eq!(summary(&lines)["files"], 2);
}

// ---------------------------------------------------------------------------
// 4. Standard input
// ---------------------------------------------------------------------------

#[test]
fn stdin_seed_page_is_scanned_as_stdin() {
    let page = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    let dir = Dir::new();
    let o = dir.cmd().args(["scan", "--format", "json", "-"]).write_stdin(page).output().unwrap();
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(paths(found[0]), ["<stdin>", "<stdin>"]);
    assert_eq!(byte_ranges(found[0]), [(11142, 12143), (12145, 13146)]);
    assert_eq!(found[0]["occurrences"][0]["line_start"], 79);

    let page = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    let t = dir.cmd().args(["scan", "-"]).write_stdin(page).output().unwrap();
    assert_code(&t, 1);
    assert_eq!(stdout(&t), SEED_GOLDEN.replace(SEED, "<stdin>"));
}

#[test]
fn stdin_together_with_a_file() {
    let dir = Dir::new();
    dir.create("b.txt", format!("{P3}\n\n{P1}\n"));
    let input = format!("{P2}\n\n{P1}\n");
    let o = dir.cmd().args(["scan", "--format", "json", "-", "b.txt"]).write_stdin(input.clone()).output().unwrap();
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(paths(found[0]), ["<stdin>", "b.txt"]);
    let p1 = P1.len() as u64;
    let at = (P2.len() + 2) as u64;
    let bt = (P3.len() + 2) as u64;
    assert_eq!(byte_ranges(found[0]), [(at, at + p1), (bt, bt + p1)]);
    assert_eq!(summary(&lines)["files"], 2);
}

// ---------------------------------------------------------------------------
// 5. Binary files
// ---------------------------------------------------------------------------

#[test]
fn binary_file_in_a_directory_is_skipped_with_a_note() {
    let dir = Dir::new();
    dir.create("d/a.txt", format!("{P1}\n\n{P2}\n"));
    let mut bin = b"\x00\x01\x02header\x00\n\n".to_vec();
    bin.extend_from_slice(format!("{P1}\n").as_bytes());
    dir.create("d/b.dat", &bin);

    let o = dir.scan(&["d"]);
    assert_no_panic(&o);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
    let note = stderr(&o).lines().find(|l| l.contains("b.dat")).map(str::to_string);
    let note = note.unwrap_or_else(|| panic!("no note naming the binary file: {}", describe(&o)));
    assert!(note.starts_with("doublet: d/b.dat: ") && note.contains("binary"), "{note}");

    // --binary scans it: the paragraph it shares with a.txt is found.
    let b = dir.scan(&["--binary", "--format", "json", "d"]);
    assert_code(&b, 1);
    let lines = json_lines(&b);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&b));
    assert_eq!(paths(found[0]), ["d/a.txt", "d/b.dat"]);
    assert_eq!(byte_ranges(found[0])[1], find_nth(&bin, P1.as_bytes(), 0));
    assert!(!stderr(&b).contains("binary"), "{}", describe(&b));
}

// ---------------------------------------------------------------------------
// 6. Invalid UTF-8
// ---------------------------------------------------------------------------

#[test]
fn invalid_utf8_inside_duplicated_paragraphs() {
    // Invalid bytes in the middle, and a truncated sequence at the very end
    // of the paragraph, which must stay inside the reported range.
    let mut para = b"Invalid \xff\xfe bytes sit inside this paragraph, which is printed twice ".to_vec();
    para.extend_from_slice(b"in the file, and it ends with a cut-off sequence \xe6\x96");
    let mut data = Vec::new();
    data.extend_from_slice(format!("{P1}\n\n").as_bytes());
    data.extend_from_slice(&para);
    data.extend_from_slice(format!("\n\n{P2}\n\n").as_bytes());
    data.extend_from_slice(&para);
    data.extend_from_slice(b"\n");
    let dir = Dir::new();
    dir.create("bad.txt", &data);

    let o = dir.scan(&["--format", "json", "bad.txt"]);
    assert_no_panic(&o);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(found[0]["kind"], "exact");
    assert_eq!(byte_ranges(found[0]), [find_nth(&data, &para, 0), find_nth(&data, &para, 1)]);
    let occ = &found[0]["occurrences"];
    assert_eq!((occ[0]["line_start"].as_u64(), occ[1]["line_start"].as_u64()), (Some(3), Some(7)));

    // The text report shows the snippet with the bad bytes replaced.
    let t = dir.scan(&["bad.txt"]);
    assert_code(&t, 1);
    assert!(stdout(&t).contains("bad.txt:3:1-3:"), "{}", describe(&t));
    assert!(stdout(&t).contains("Invalid \u{FFFD}"), "{}", describe(&t));
}

// ---------------------------------------------------------------------------
// 7. Degenerate and unusual text files
// ---------------------------------------------------------------------------

#[test]
fn empty_blank_and_bom_only_files_are_clean() {
    let dir = Dir::new();
    dir.create("empty.txt", "");
    dir.create("blank.txt", "\n\n   \n\t\n\r\n\n");
    dir.create("bom.txt", "\u{FEFF}");
    let names = ["empty.txt", "blank.txt", "bom.txt"];
    for name in names {
        let o = dir.scan(&["--quiet", name]);
        assert_code(&o, 0);
        assert_eq!(stdout(&o), "", "{name}");
        assert_eq!(stderr(&o), "", "{name}: no error or note expected");
    }
    let o = dir.scan(&["--format", "json", "empty.txt", "blank.txt", "bom.txt"]);
    assert_code(&o, 0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2, "begin and summary only");
    let s = summary(&lines);
    assert_eq!((s["files"].as_u64(), s["paragraphs"].as_u64()), (Some(3), Some(0)));
    assert_eq!((s["errors"].as_u64(), s["skipped"].as_u64()), (Some(0), Some(0)));
}

#[test]
fn crlf_block_is_found_and_ranges_exclude_carriage_returns() {
    let block = format!("{P1}\r\n{P2}\r\n\r\n{P3}");
    let data =
        format!("{P4}\r\n\r\n{block}\r\n\r\nSomething else entirely, told in other words here.\r\n\r\n{block}\r\n");
    let dir = Dir::new();
    dir.create("crlf.txt", &data);
    let o = dir.scan(&["--format", "json", "crlf.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(found[0]["paragraphs"], 2);
    let bytes = data.as_bytes();
    let ranges = byte_ranges(found[0]);
    assert_eq!(ranges, [find_nth(bytes, block.as_bytes(), 0), find_nth(bytes, block.as_bytes(), 1)]);
    for (s, e) in ranges {
        let (s, e) = (s as usize, e as usize);
        assert_ne!(bytes[s], b'\r');
        assert_ne!(bytes[e - 1], b'\r', "range ends before the CR");
        assert!(bytes[e..].starts_with(b"\r\n"));
    }
    // Line and column of the last character ignore the CR too.
    let occ = &found[0]["occurrences"][0];
    assert_eq!((occ["line_start"].as_u64(), occ["line_end"].as_u64()), (Some(3), Some(6)));
    assert_eq!(occ["col_end"].as_u64(), Some(P3.len() as u64));
}

#[test]
fn bom_is_not_a_column() {
    // Editors (vim, VS Code) and ripgrep hide the BOM: the first visible
    // character is column 1, and `path:1:2` would point one character late.
    let data = format!("\u{FEFF}{P1}\n\n{P1}\n");
    let dir = Dir::new();
    dir.create("bom.txt", &data);
    let o = dir.scan(&["--format", "json", "bom.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(byte_ranges(found[0])[0], (3, 3 + P1.len() as u64), "the byte range skips the BOM");
    let first = &found[0]["occurrences"][0];
    assert_eq!((first["line_start"].as_u64(), first["col_start"].as_u64()), (Some(1), Some(1)), "{first}");
    assert_eq!(first["col_end"].as_u64(), Some(P1.len() as u64), "{first}");
}

#[test]
fn file_without_final_newline() {
    let data = format!("{P1}\n\n{P2}\n\n{P1}");
    let dir = Dir::new();
    dir.create("nofinal.txt", &data);
    let o = dir.scan(&["--format", "json", "nofinal.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    let end = data.len() as u64;
    assert_eq!(byte_ranges(found[0]), [(0, P1.len() as u64), (end - P1.len() as u64, end)]);
    let last = &found[0]["occurrences"][1];
    assert_eq!((last["line_end"].as_u64(), last["col_end"].as_u64()), (Some(5), Some(P1.len() as u64)));
}

// ---------------------------------------------------------------------------
// 8. A very large single-line file
// ---------------------------------------------------------------------------

#[test]
fn fifty_megabyte_single_line_file() {
    // 50 MB in one line is one 50 MB paragraph: tens of millions of shingles.
    // Measured: about 2 s under `cargo test` (the binary is built with the
    // test profile, opt-level 3) and about 24 s with an unoptimised
    // (`cargo build`, opt-level 0) binary, ≈600 MB resident either way; both
    // are within budget, so the full size is kept.
    const SIZE: usize = 50_000_000;
    let dir = Dir::new();
    let mut rng = Rng(50);
    let vocab = vocabulary(&mut rng, 5000);
    let mut big = String::with_capacity(SIZE + 100);
    while big.len() < SIZE {
        big.push_str(rng.pick(&vocab).as_str());
        big.push(' ');
    }
    big.push('\n');
    dir.create("big.txt", &big);
    drop(big);
    dir.create("small.txt", format!("{P1}\n\n{P2}\n"));

    let started = Instant::now();
    let o = dir
        .cmd()
        .args(["scan", "--format", "json", "big.txt", "small.txt"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_no_panic(&o);
    assert!(matches!(code(&o), 0 | 1), "{}", describe(&o));
    let lines = json_lines(&o);
    let s = summary(&lines);
    assert_eq!(s["files"], 2);
    assert!(s["bytes"].as_u64().unwrap() > SIZE as u64);
    assert_eq!(s["errors"], 0);
    eprintln!("50 MB single-line file scanned in {took:?}");
}

// ---------------------------------------------------------------------------
// 9. Symbolic link loops
// ---------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlink_loop_terminates_and_is_named() {
    let dir = Dir::new();
    dir.create("root/a.txt", format!("{P1}\n\n{P2}\n"));
    dir.create("root/dir/b.txt", format!("{P3}\n\n{P1}\n"));
    std::os::unix::fs::symlink("..", dir.path().join("root/dir/loop")).unwrap();

    let o = dir.scan(&["--format", "json", "root"]);
    assert_no_panic(&o);
    // The loop is an error for the path (exit 2), named on stderr; the files
    // are each scanned once and the finding between them is still reported.
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.lines().any(|l| l == "doublet: root/dir/loop: symbolic link loop back to root, not followed"),
        "{}",
        describe(&o)
    );
    let lines = json_lines(&o);
    assert_eq!(summary(&lines)["files"], 2, "{}", describe(&o));
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(paths(found[0]), ["root/a.txt", "root/dir/b.txt"]);
}

// ---------------------------------------------------------------------------
// 10. FIFOs
// ---------------------------------------------------------------------------

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}: {}", path.display(), std::io::Error::last_os_error());
}

#[cfg(unix)]
#[test]
fn fifo_inside_a_directory_is_skipped_with_a_note() {
    let dir = Dir::new();
    dir.create("d/a.txt", format!("{P1}\n\n{P2}\n"));
    mkfifo(&dir.mkdir("d").join("pipe"));
    let o = dir.scan(&["d"]);
    assert_no_panic(&o);
    assert_code(&o, 0);
    assert!(stderr(&o).lines().any(|l| l == "doublet: d/pipe: not a regular file, skipped"), "{}", describe(&o));
}

#[cfg(unix)]
#[test]
fn fifo_named_explicitly_with_a_writer_is_read() {
    use std::sync::mpsc;

    let page = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    let dir = Dir::new();
    let fifo = dir.path().join("page.fifo");
    mkfifo(&fifo);

    let (ready, started) = mpsc::channel();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            ready.send(()).unwrap();
            // Blocks until the binary opens the FIFO for reading; Linux counts
            // a writer blocked here as connected, so the reader waits for it.
            let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            w.write_all(&page).unwrap();
        })
    };
    started.recv().unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let o = dir.scan(&["--format", "json", "page.fifo"]);
    // Should the binary never have opened the FIFO, release the writer so
    // that the join below cannot hang.
    if !writer.is_finished() {
        use std::os::unix::fs::OpenOptionsExt;
        let mut r = fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&fifo).unwrap();
        let mut sink = Vec::new();
        let _ = r.read_to_end(&mut sink);
    }
    writer.join().unwrap();

    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(paths(found[0]), ["page.fifo", "page.fifo"]);
    assert_eq!(byte_ranges(found[0]), [(11142, 12143), (12145, 13146)]);
}

#[cfg(unix)]
#[test]
fn fifo_named_explicitly_without_a_writer_does_not_hang() {
    let dir = Dir::new();
    mkfifo(&dir.path().join("lonely.fifo"));
    let started = Instant::now();
    let o =
        dir.cmd().args(["scan", "--format", "json", "lonely.fifo"]).timeout(Duration::from_secs(20)).output().unwrap();
    assert_no_panic(&o);
    assert_code(&o, 0);
    assert!(started.elapsed() < Duration::from_secs(20));
    let lines = json_lines(&o);
    let s = summary(&lines);
    assert_eq!((s["files"].as_u64(), s["bytes"].as_u64(), s["errors"].as_u64()), (Some(1), Some(0), Some(0)));
}

// ---------------------------------------------------------------------------
// 11. Broken pipe
// ---------------------------------------------------------------------------

#[test]
fn broken_pipe_ends_quietly_with_status_0() {
    // Two files with the same 3000 paragraphs in opposite orders: 3000
    // one-paragraph findings, far more text than a pipe buffer holds.
    let mut rng = Rng(11);
    let vocab = vocabulary(&mut rng, 3000);
    let paras: Vec<String> = (0..3000).map(|_| random_paragraph(&mut rng, &vocab)).collect();
    let dir = Dir::new();
    dir.create("a.txt", paras.join("\n\n"));
    dir.create("b.txt", paras.iter().rev().cloned().collect::<Vec<_>>().join("\n\n"));

    let check = dir.scan(&["--quiet", "a.txt", "b.txt"]);
    assert_code(&check, 1);
    assert!(check.stdout.len() > 256 << 10, "the report must be far larger than a pipe buffer");

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("doublet"))
        .current_dir(dir.path())
        .args(["scan", "a.txt", "b.txt"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        stderr.read_to_string(&mut err).unwrap();
        err
    });
    let status = wait_or_kill(child);
    let err = reader.join().unwrap();
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "stderr: {err}");
    assert_eq!(status.code(), Some(0), "stderr: {err}");
}

// ---------------------------------------------------------------------------
// 12. Colour
// ---------------------------------------------------------------------------

#[test]
fn color_always_emits_ansi_escapes() {
    let o = scan_in_crate(&["--color", "always", SEED]);
    assert_code(&o, 1);
    let out = stdout(&o);
    assert!(out.contains("\x1b["), "{out:?}");
    // Without the escapes it is the plain report.
    let mut plain = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find('\x1b') {
        plain.push_str(&rest[..i]);
        let end = rest[i..].find('m').unwrap();
        rest = &rest[i + end + 1..];
    }
    plain.push_str(rest);
    assert_eq!(plain, SEED_GOLDEN);
}

/// Runs `doublet ARGS…` in the crate root with stdout on a fresh
/// pseudo-terminal (stderr stays a pipe), and returns what it wrote there.
#[cfg(target_os = "linux")]
fn on_terminal(args: &[&str], no_color: Option<&str>) -> (std::process::ExitStatus, String) {
    use std::os::fd::{FromRawFd, OwnedFd};

    // SAFETY: plain libc calls on a descriptor this function owns; the
    // ptsname_r buffer is large enough and NUL-terminated on success.
    let (master, slave_name) = unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(fd >= 0, "posix_openpt: {}", std::io::Error::last_os_error());
        let master = OwnedFd::from_raw_fd(fd);
        assert_eq!(libc::grantpt(fd), 0);
        assert_eq!(libc::unlockpt(fd), 0);
        let mut buf = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(fd, buf.as_mut_ptr(), buf.len()), 0);
        (master, std::ffi::CStr::from_ptr(buf.as_ptr()).to_str().unwrap().to_string())
    };
    let slave = fs::OpenOptions::new().read(true).write(true).open(&slave_name).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("doublet"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::null());
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let child = cmd.spawn().unwrap();
    // Dropping the command closes this process's copy of the slave side, so
    // that reading the master ends (EIO on Linux) when the child is done.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut master = fs::File::from(master);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        out
    });
    let status = wait_or_kill(child);
    let out = reader.join().unwrap();
    // The terminal turns "\n" into "\r\n".
    (status, String::from_utf8(out).unwrap().replace("\r\n", "\n"))
}

#[cfg(target_os = "linux")]
#[test]
fn color_auto_on_a_terminal_unless_no_color() {
    let (status, out) = on_terminal(&["scan", SEED], None);
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("\x1b["), "auto colours a terminal: {out:?}");

    let (status, out) = on_terminal(&["scan", "--color", "auto", SEED], Some("1"));
    assert_eq!(status.code(), Some(1), "{out}");
    assert_eq!(out, SEED_GOLDEN, "NO_COLOR=1 turns colour off");

    // An empty NO_COLOR does not count as set (no-color.org).
    let (_, out) = on_terminal(&["scan", SEED], Some(""));
    assert!(out.contains("\x1b["), "{out:?}");

    let (_, out) = on_terminal(&["scan", "--color", "never", SEED], None);
    assert_eq!(out, SEED_GOLDEN);
}

#[test]
fn color_off_by_default_and_with_no_color() {
    // stdout is a pipe here, not a terminal.
    let o = scan_in_crate(&[SEED]);
    assert_code(&o, 1);
    assert!(!stdout(&o).contains('\x1b'));

    let n = doublet()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(["scan", "--color", "auto", SEED])
        .output()
        .unwrap();
    assert_code(&n, 1);
    assert_eq!(stdout(&n), SEED_GOLDEN);
}

// ---------------------------------------------------------------------------
// 13. --lines
// ---------------------------------------------------------------------------

#[test]
fn lines_mode_finds_duplicated_single_lines() {
    let data = format!("{P1}\n{P2}\n{P3}\n{P1}\n{P4}\n");
    let dir = Dir::new();
    dir.create("lines.txt", &data);

    // One paragraph of five lines: nothing repeats.
    let blocks = dir.scan(&["lines.txt"]);
    assert_code(&blocks, 0);

    let o = dir.scan(&["--lines", "--format", "json", "lines.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    assert_eq!(lines[0]["params"]["segment"], "lines");
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{}", describe(&o));
    assert_eq!(
        byte_ranges(found[0]),
        [find_nth(data.as_bytes(), P1.as_bytes(), 0), find_nth(data.as_bytes(), P1.as_bytes(), 1)]
    );
    let occ = &found[0]["occurrences"];
    assert_eq!((occ[0]["line_start"].as_u64(), occ[1]["line_start"].as_u64()), (Some(1), Some(4)));
    assert_eq!((occ[0]["para_start"].as_u64(), occ[1]["para_start"].as_u64()), (Some(0), Some(3)));
}

// ---------------------------------------------------------------------------
// 14. Bad option values
// ---------------------------------------------------------------------------

#[test]
fn threshold_out_of_range_exits_2() {
    for bad in ["0", "1.5"] {
        let o = scan_in_crate(&["--threshold", bad, SEED]);
        assert_code(&o, 2);
        assert_eq!(stdout(&o), "");
        let err = stderr(&o);
        assert!(err.contains("threshold") && err.contains(bad), "{}", describe(&o));
    }
}

#[test]
fn bands_times_rows_over_num_perm_exits_2() {
    let o = scan_in_crate(&["--bands", "50", "--rows", "3", SEED]);
    assert_code(&o, 2);
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("bands") && err.contains("rows") && err.contains("128"), "{}", describe(&o));
}

// ---------------------------------------------------------------------------
// 15. The same file twice
// ---------------------------------------------------------------------------

#[test]
fn same_file_named_twice_is_scanned_once() {
    let dir = Dir::new();
    dir.create("d/a.txt", format!("{P1}\n\n{P2}\n"));
    for args in [&["d/a.txt", "d/a.txt"][..], &["d/a.txt", "d"][..], &["d/a.txt", "./d/a.txt"][..]] {
        let o = dir.scan(args);
        assert_code(&o, 0);
        assert_eq!(stdout(&o), "", "{args:?}");
        let err = stderr(&o);
        assert!(
            err.lines().any(|l| l.starts_with("doublet: ") && l.ends_with(": same file as d/a.txt, scanned once")),
            "{args:?}: {}",
            describe(&o)
        );
        assert!(err.contains("1 file, 2 paragraphs"), "{args:?}: {}", describe(&o));
    }
}

#[test]
fn seed_page_breaks_are_exactly_the_ten_cut_paragraphs() {
    let o = scan_in_crate(&["--check", "breaks", "--format", "json", SEED]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let breaks: Vec<&Value> = lines.iter().filter(|l| l["type"] == "break").collect();
    // (blank line, end of the first part, start of the second) for the ten
    // paragraphs the page prints cut in two.
    let want: &[(u64, &str, &str)] = &[
        (10, "重点任", "务"),
        (14, "提前下", "达"),
        (18, "切", "实增强"),
        (28, "政策清", "单"),
        (32, "重大项", "目的"),
        (36, "技术9", "项"),
        (68, "专家学", "者"),
        (102, "一半居民楼,", "在玉泉区"),
        (106, "“红", "蜂团”"),
        (112, "策划并举", "办"),
    ];
    assert_eq!(breaks.len(), want.len(), "{breaks:#?}");
    let data = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    for (b, (line, before, after)) in breaks.iter().zip(want) {
        assert_eq!(b["path"], SEED);
        assert_eq!(b["line"].as_u64(), Some(*line));
        assert!(b["before"].as_str().unwrap().ends_with(before), "{b}");
        assert!(b["after"].as_str().unwrap().starts_with(after), "{b}");
        let offset = b["byte_offset"].as_u64().unwrap() as usize;
        assert_eq!(data[..offset].iter().filter(|&&c| c == b'\n').count() as u64 + 1, *line);
        assert_eq!(data[offset], b'\n', "the blank line starts at byte_offset");
    }
    assert_eq!(summary(&lines)["breaks"].as_u64(), Some(10));
    // Without --check breaks nothing about breaks is reported.
    let plain = json_lines(&scan_in_crate(&["--format", "json", SEED]));
    assert!(plain.iter().all(|l| l["type"] != "break"));
    // Text report: one line per break.
    let text = stdout(&scan_in_crate(&["--check", "breaks", SEED]));
    assert_eq!(text.lines().filter(|l| l.contains(": paragraph continues after a blank line")).count(), 10);
    assert!(text.contains("corpus/newspaper-page.txt:10: paragraph continues after a blank line"));
}

#[test]
fn latin_breaks_lowercase_continuation_and_hyphen() {
    let dir = Dir::new();
    dir.create(
        "page.txt",
        "The council decided that the\n\nbridge would reopen in May.\n\nA new para-\n\ngraph about trees.\n\nA heading\n\nThe next article starts here.\n",
    );
    let o = dir.scan(&["--check", "breaks", "--format", "json", "page.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let got: Vec<u64> = lines.iter().filter(|l| l["type"] == "break").map(|b| b["line"].as_u64().unwrap()).collect();
    assert_eq!(got, vec![2, 6]);
}

#[test]
fn cut_paragraph_matches_its_copy_printed_whole() {
    // Paragraphs 3 and 4 of the seed page are one paragraph cut by a stray
    // blank line (lines 9 and 11). Printed whole in another file, the copy is
    // one finding: both parts on one side, the whole paragraph on the other.
    let seed = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    let lines: Vec<&str> = seed.lines().collect();
    let whole = format!("{}{}", lines[8].trim(), lines[10].trim());
    let dir = Dir::new();
    dir.create("page.txt", &seed);
    dir.create("whole.txt", format!("Another page.\n\n{whole}\n"));
    let o = dir.scan(&["--format", "json", "page.txt", "whole.txt"]);
    assert_code(&o, 1);
    let lines_json = json_lines(&o);
    let found = findings(&lines_json);
    let cut: Vec<&&Value> = found.iter().filter(|f| paths(f).contains(&"whole.txt")).collect();
    assert_eq!(cut.len(), 1, "{found:#?}");
    let occ = &cut[0]["occurrences"];
    assert_eq!(cut[0]["paragraphs"], 1);
    assert_eq!(
        (occ[0]["path"].as_str(), occ[0]["para_start"].as_u64(), occ[0]["para_end"].as_u64()),
        (Some("page.txt"), Some(3), Some(4))
    );
    assert_eq!((occ[0]["line_start"].as_u64(), occ[0]["line_end"].as_u64()), (Some(9), Some(11)));
    assert_eq!(
        (occ[1]["path"].as_str(), occ[1]["para_start"].as_u64(), occ[1]["para_end"].as_u64()),
        (Some("whole.txt"), Some(1), Some(1))
    );
    assert_eq!(cut[0]["kind"], "near");
    assert!(cut[0]["similarity"].as_f64().unwrap() > 0.95);
    // The page's own block is still reported once, unchanged.
    assert!(found.iter().any(|f| byte_ranges(f) == vec![(11142, 12143), (12145, 13146)]));
}

#[test]
fn block_of_three_matches_the_same_text_in_four_paragraphs() {
    let p = [
        "The river rose by two metres overnight and the lower town was evacuated before dawn.",
        "Rescue teams from three provinces worked through the day to reinforce the old levee",
        "with sandbags, while the railway line to the coast stayed closed until further notice.",
        "Officials expect the water to fall slowly over the weekend if no more rain arrives.",
    ];
    let dir = Dir::new();
    // One file prints the middle sentence as one paragraph, the other cuts it.
    dir.create("a.txt", format!("Intro of file a.\n\n{}\n\n{} {}\n\n{}\n", p[0], p[1], p[2], p[3]));
    dir.create("b.txt", format!("{}\n\n{}\n\n{}\n\n{}\n\nOutro of file b.\n", p[0], p[1], p[2], p[3]));
    let o = dir.scan(&["--format", "json", "a.txt", "b.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{found:#?}");
    let occ = &found[0]["occurrences"];
    assert_eq!(found[0]["paragraphs"], 3);
    assert_eq!((occ[0]["para_start"].as_u64(), occ[0]["para_end"].as_u64()), (Some(1), Some(3)));
    assert_eq!((occ[1]["para_start"].as_u64(), occ[1]["para_end"].as_u64()), (Some(0), Some(3)));
}

#[test]
fn ocr_noisy_copy_matches_below_the_threshold_but_other_numbers_do_not() {
    let clean =
        "考生须凭本人准考证、有效身份证件，经人脸识别验证通过后，方可进入考场参加考试。自己已经完成了未来的工作任务。";
    // Three misread glyphs (人/入, 件/仵, 未/末) spread over the text.
    let noisy =
        "考生须凭本入准考证、有效身份证仵，经人脸识别验证通过后，方可进入考场参加考试。自己已经完成了末来的工作任务。";
    let other = "本报讯 第0508号文件已于2023年5月24日印发，请各单位按照要求认真贯彻落实。";
    let other2 = "本报讯 第0307号文件已于2021年3月17日印发，请各单位按照要求认真贯彻落实。";
    let dir = Dir::new();
    dir.create("a.txt", format!("{clean}\n\n{other}\n"));
    dir.create("b.txt", format!("{noisy}\n\n{other2}\n"));
    let o = dir.scan(&["--format", "json", "a.txt", "b.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{found:#?}");
    let j = found[0]["similarity"].as_f64().unwrap();
    assert!(j < 0.6, "the noisy copy is below the threshold: {j}");
    assert_eq!(found[0]["occurrences"][0]["para_start"], 0);
    assert_eq!(found[0]["occurrences"][1]["para_start"], 0);
    // --strict matches only at the threshold.
    let strict = dir.scan(&["--strict", "--format", "json", "a.txt", "b.txt"]);
    assert_code(&strict, 0);
}

#[test]
fn ocr_files_give_the_same_findings_as_their_plain_text_with_pages_and_boxes() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ocr");
    let shape = |name: &str| -> (Vec<Value>, Vec<Value>) {
        let o = doublet().current_dir(&fixtures).args(["scan", "--format", "json", name]).output().unwrap();
        assert_code(&o, 1);
        let lines = json_lines(&o);
        let found: Vec<Value> = findings(&lines).into_iter().cloned().collect();
        let shape = found
            .iter()
            .map(|f| {
                let occ: Vec<Value> = f["occurrences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| serde_json::json!([o["para_start"], o["para_end"]]))
                    .collect();
                serde_json::json!({"kind": f["kind"], "similarity": f["similarity"], "paragraphs": f["paragraphs"], "occ": occ})
            })
            .collect();
        (shape, found)
    };
    let (plain, plain_found) = shape("notice.txt");
    assert_eq!(plain.len(), 1);
    assert!(plain_found[0]["occurrences"][0].get("page").is_none());
    for name in ["notice.alto.xml", "notice.hocr", "notice.page.xml"] {
        let (got, found) = shape(name);
        assert_eq!(got, plain, "{name}");
        let data = std::fs::read(fixtures.join(name)).unwrap();
        for o in found[0]["occurrences"].as_array().unwrap() {
            assert_eq!(o["page"].as_u64(), Some(1), "{name}: {o}");
            let bbox: Vec<i64> = o["bbox"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
            assert!(bbox.len() == 4 && bbox[2] > 0 && bbox[3] > 0, "{name}: {o}");
            // Byte ranges point at the block elements in the raw file.
            let (s, e) = (o["byte_start"].as_u64().unwrap() as usize, o["byte_end"].as_u64().unwrap() as usize);
            assert_eq!(data[s], b'<', "{name}");
            assert_eq!(data[e - 1], b'>', "{name}");
            assert_eq!(data[..s].iter().filter(|&&c| c == b'\n').count() as u64 + 1, o["line_start"].as_u64().unwrap());
        }
    }
    // The text report names the page and the box.
    let o = doublet().current_dir(&fixtures).args(["scan", "notice.alto.xml"]).output().unwrap();
    assert!(stdout(&o).contains("(page 1, box "), "{}", describe(&o));
}

#[test]
fn damaged_ocr_file_is_an_error_naming_it_and_the_rest_is_scanned() {
    let dir = Dir::new();
    dir.create("bad.alto.xml", "<?xml version=\"1.0\"?>\n<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\"><Layout><Page>\n<TextBlock HPOS=\"1\"");
    dir.create("a.txt", format!("{P1}\n\n{P1}\n"));
    let o = dir.scan(&["bad.alto.xml", "a.txt"]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("doublet: bad.alto.xml: ALTO"), "{err}");
    assert!(stdout(&o).contains("a.txt:1:1"), "{}", describe(&o));
}

#[test]
fn quoted_notice_is_a_containment_located_inside_the_article() {
    let notice = "考生须凭本人准考证、有效身份证件，经人脸识别验证通过后，方可进入考场参加考试。";
    let article = format!(
        "本报讯 今年的考试安排已经公布。考试院提醒：{notice}其他事项另行通知，请广大考生及时关注官方发布的信息，合理安排出行。"
    );
    let dir = Dir::new();
    dir.create("notice.txt", format!("考试须知\n\n{notice}\n"));
    dir.create("article.txt", format!("{article}\n"));
    let o = dir.scan(&["--format", "json", "notice.txt", "article.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["kind"], "containment");
    let occ = found[0]["occurrences"].as_array().unwrap();
    let (inner, outer) = (&occ[0], &occ[1]);
    assert_eq!(inner["path"], "notice.txt");
    assert!(inner.get("partial").is_none());
    assert_eq!(outer["path"], "article.txt");
    assert_eq!(outer["partial"], true);
    // The passage inside the article is exactly the quoted notice (up to
    // its final punctuation, which normalization does not see).
    let start = article.find(notice).unwrap() as u64;
    assert_eq!(outer["byte_start"].as_u64(), Some(start));
    let end = outer["byte_end"].as_u64().unwrap();
    assert!(end + 3 >= start + notice.len() as u64 && end <= start + notice.len() as u64, "{outer}");
}

#[test]
fn two_paragraphs_merged_into_one_are_each_found_inside_it() {
    // A copy that merges two paragraphs of similar length: each one is more
    // than half of the merged paragraph but below the near threshold, so
    // each is reported as contained in it, located to its own part.
    let a = "The council approved the new budget for the harbour district after a long debate on Monday.";
    let b = "Fishermen asked for a delay of the works until the end of the season, which was refused.";
    let dir = Dir::new();
    dir.create("first.txt", format!("{a}\n\n{b}\n"));
    dir.create("second.txt", format!("Harbour news.\n\n{a} {b}\n"));
    let o = dir.scan(&["--format", "json", "first.txt", "second.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    let merged = b"Harbour news.\n\n".len() as u64;
    for (part, first_byte) in [(a, 0u64), (b, (a.len() + 2) as u64)] {
        let f = found
            .iter()
            .find(|f| f["occurrences"][0]["byte_start"].as_u64() == Some(first_byte))
            .unwrap_or_else(|| panic!("no finding for {part:?}: {found:#?}"));
        assert_eq!(f["kind"], "containment", "{f}");
        let occ = &f["occurrences"];
        assert_eq!(occ[0]["path"], "first.txt");
        assert_eq!(occ[1]["path"], "second.txt");
        assert_eq!(occ[1]["partial"], true);
        let start = occ[1]["byte_start"].as_u64().unwrap();
        let want = merged + if first_byte == 0 { 0 } else { a.len() as u64 + 1 };
        assert_eq!(start, want, "{f}");
    }
}

#[test]
fn merged_copy_is_found_when_its_part_also_has_an_exact_copy() {
    // b.txt merges paragraphs 2 and 3 of a.txt into one; paragraph 3 of
    // a.txt has a verbatim copy in c.txt. The merged paragraph still matches
    // paragraph 3 (the joined item of a.txt, which overlaps it, is not the
    // only link), and paragraph 3 keeps its match with c.txt.
    let p1 = "The kernel debugger is organized into a number of components that work together:";
    let p2 = "Hansen, who hit the club's season high of homers and drove in many runs on a";
    let p3 = "The struct module provides functions for working with variable-length binary record formats, \
              converting between values and packed bytes in either byte order, for files and network data.";
    let dir = Dir::new();
    dir.create("a.txt", format!("{p1}\n\n{p2}\n\n{p3}\n"));
    dir.create("b.txt", format!("{p1}\n\n{p2} {p3}\n"));
    dir.create("c.txt", format!("{p3}\n"));
    let o = dir.scan(&["--format", "json", "a.txt", "b.txt", "c.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    let merged_start = (p1.len() + 2) as u64;
    let with_merged: Vec<&&Value> = found
        .iter()
        .filter(|f| {
            f["occurrences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["path"] == "b.txt" && o["byte_start"].as_u64() == Some(merged_start))
        })
        .collect();
    assert!(!with_merged.is_empty(), "merged paragraph in no finding: {found:#?}");
    assert!(
        with_merged.iter().any(|f| paths(f).contains(&"a.txt")),
        "merged paragraph not linked to a.txt: {with_merged:#?}"
    );
    let p3_start = (p1.len() + p2.len() + 4) as u64;
    assert!(
        found.iter().any(|f| {
            let occ = f["occurrences"].as_array().unwrap();
            occ.iter().any(|o| o["path"] == "a.txt" && o["byte_start"].as_u64() == Some(p3_start))
                && occ.iter().any(|o| o["path"] == "c.txt")
        }),
        "copy in c.txt not linked to paragraph 3 of a.txt: {found:#?}"
    );
}

#[test]
fn quoted_paragraph_of_stock_phrases_is_found() {
    // The quoted paragraph is made of two phrases that seventy other
    // paragraphs each also use, save a short part of its own: few of its
    // anchors are rare (in at most 64 paragraphs), all of them are in the
    // article that quotes it.
    let stock = ["Choose Format - Character to open the dialog", "then click the Font Effects tab and select"];
    let notice = format!("{} {} twice.", stock[0], stock[1]);
    let dir = Dir::new();
    let mut others = String::new();
    for i in 0..140 {
        others.push_str(&format!(
            "Step {i}: {} for the setting number {i}, which the team documented in chapter {} of the guide \
             for version {} after the review meeting.\n\n",
            stock[i % 2],
            i * 7919 % 1000,
            i * 104729 % 997
        ));
    }
    dir.create("help.txt", others);
    dir.create("notice.txt", format!("Tip\n\n{notice}\n"));
    let article = format!(
        "The manual for the new release is thorough. Its tip on crossed-out text reads: {notice} \
         Readers asked for more examples of this kind in the next edition of the guide."
    );
    dir.create("article.txt", format!("{article}\n"));
    let o = dir.scan(&["--format", "json", "help.txt", "notice.txt", "article.txt"]);
    let lines = json_lines(&o);
    let found = findings(&lines);
    let quote: Vec<&&Value> =
        found.iter().filter(|f| paths(f).contains(&"notice.txt") && paths(f).contains(&"article.txt")).collect();
    assert_eq!(quote.len(), 1, "{found:#?}");
    assert_eq!(quote[0]["kind"], "containment");
    let outer = quote[0]["occurrences"].as_array().unwrap().iter().find(|o| o["path"] == "article.txt").unwrap();
    assert_eq!(outer["partial"], true);
    assert_eq!(outer["byte_start"].as_u64(), Some(article.find(&notice).unwrap() as u64));
}

#[test]
fn long_passage_shared_by_two_different_paragraphs_is_located() {
    // Two paragraphs, otherwise different, share one sentence of about 90
    // characters; a hundred other paragraphs share only common words.
    let shared =
        "The commission found that the dam had been inspected only twice in the eleven years before it failed.";
    let a = format!(
        "Reporters spent the winter reading the archive of the regional water authority. {shared} \
         Nobody at the authority would say who had signed the last inspection report."
    );
    let b = format!(
        "At the hearing the families of the victims asked why the warnings had been ignored for so long. \
         {shared} The minister promised a new law before the summer recess."
    );
    let mut others = String::new();
    for i in 0..100 {
        others.push_str(&format!(
            "Report {i} of the year describes the work of the team in district {} and the results of the \
             survey that the office carried out in the spring of {}.\n\n",
            i * 37 % 101,
            1900 + i
        ));
    }
    let dir = Dir::new();
    dir.create("others.txt", others);
    dir.create("a.txt", format!("{a}\n"));
    dir.create("b.txt", format!("{b}\n"));
    let o = dir.scan(&["--format", "json", "others.txt", "a.txt", "b.txt"]);
    assert_code(&o, 1);
    let lines = json_lines(&o);
    let found = findings(&lines);
    let passage: Vec<&&Value> = found.iter().filter(|f| paths(f) == ["a.txt", "b.txt"]).collect();
    assert_eq!(passage.len(), 1, "{found:#?}");
    assert_eq!(passage[0]["kind"], "passage");
    for (occ, text) in passage[0]["occurrences"].as_array().unwrap().iter().zip([&a, &b]) {
        assert_eq!(occ["partial"], true);
        let start = text.find(shared).unwrap() as u64;
        let (s, e) = (occ["byte_start"].as_u64().unwrap(), occ["byte_end"].as_u64().unwrap());
        // Located to the shared sentence (normalization does not see its
        // final full stop or the space before it).
        assert!(s <= start + 1 && s + 1 >= start, "{occ}");
        assert!(e + 2 >= start + shared.len() as u64 && e <= start + shared.len() as u64, "{occ}");
    }
    assert!(!found.iter().any(|f| paths(f).contains(&"others.txt") && paths(f).contains(&"a.txt")), "{found:#?}");
}
