//! The CI gate end to end: `--output`, the gates and the exit status,
//! baselines, doublet.toml, exclusions, completions and the man page. Every
//! test runs the built binary in a fresh temporary directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

const P1: &str = "The committee met on Tuesday to review the budget for the coming year.";
const P2: &str = "Every station along the northern line will close for repairs in March.";
const P3: &str = "Volunteers planted four hundred trees on the hills above the old quarry.";
const P3_NEAR: &str = "Volunteers planted five hundred trees on the hills above the old quarry.";
const P4: &str = "A spokesman said the bridge would reopen once the inspection was complete.";
const P5: &str = "The library will extend its opening hours during the examination period.";
const NOTICE: &str = "考生须凭本人准考证、有效身份证件，经人脸识别验证通过后，方可进入考场参加考试。";

/// A temporary directory that files are written into and commands run in.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::Builder::new().prefix("doublet-gate-").tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, contents).unwrap();
        p
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path().join(name)).unwrap()
    }

    /// Names in the directory (not below it), sorted.
    fn entries(&self, name: &str) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.path().join(name))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// `doublet ARGS…` run in `sub` (relative to this directory).
    fn run_in(&self, sub: &str, args: &[&str]) -> Output {
        let mut c = Command::cargo_bin("doublet").unwrap();
        c.env_remove("NO_COLOR").timeout(Duration::from_secs(60));
        c.current_dir(self.path().join(sub)).args(args).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in("", args)
    }

    fn scan(&self, args: &[&str]) -> Output {
        self.run(&[&["scan"], args].concat())
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_code(o: &Output, want: i32) {
    assert_eq!(
        o.status.code(),
        Some(want),
        "status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// Asserts that stderr has the line `want`.
#[track_caller]
fn assert_line(o: &Output, want: &str) {
    assert!(stderr(o).lines().any(|l| l == want), "no line {want:?} in stderr:\n{}", stderr(o));
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn kinds(report: &str) -> Vec<String> {
    json_lines(report)
        .iter()
        .filter(|v| v["type"] == "finding")
        .map(|v| v["kind"].as_str().unwrap().to_string())
        .collect()
}

fn summary(report: &str) -> Value {
    json_lines(report).pop().unwrap()
}

/// Paragraphs `paras` joined into a file's text.
fn page(paras: &[&str]) -> String {
    paras.join("\n\n") + "\n"
}

/// One exact finding (P1 twice), one near (P3 and a word changed), one
/// containment (a notice quoted in an article), each checked.
fn mixed(dir: &Dir) {
    dir.create("a.txt", page(&[P1, P2, P1]));
    dir.create("b.txt", page(&[P3, P4, P3_NEAR]));
    dir.create("notice.txt", page(&["考试须知", NOTICE]));
    dir.create("article.txt", page(&[&format!("本报讯 今年的考试安排已经公布。考试院提醒：{NOTICE}其他事项另行通知，请广大考生及时关注官方发布的信息，合理安排出行。")]));
    let o = dir.scan(&["-f", "json", "a.txt", "b.txt", "notice.txt", "article.txt"]);
    assert_code(&o, 1);
    assert_eq!(kinds(&stdout(&o)), ["exact", "near", "containment"]);
}

// ---------------------------------------------------------------------------
// --output
// ---------------------------------------------------------------------------

#[test]
fn output_file_gets_the_report_that_stdout_would() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    let to_stdout = dir.scan(&["a.txt"]);
    assert_code(&to_stdout, 1);
    assert!(stdout(&to_stdout).starts_with("[1] exact, 1 paragraph, 2 copies"), "{}", stdout(&to_stdout));
    dir.create("out/report.txt", "old report\n");
    let to_file = dir.scan(&["--output", "out/report.txt", "a.txt"]);
    assert_code(&to_file, 1);
    assert_eq!(stdout(&to_file), "");
    assert_eq!(dir.read("out/report.txt"), stdout(&to_stdout));
    assert_eq!(dir.entries("out"), ["report.txt"]);
    // `-` is standard output.
    let dash = dir.scan(&["-o", "-", "a.txt"]);
    assert_eq!(stdout(&dash), stdout(&to_stdout));
}

#[test]
fn unwritable_output_is_an_error_naming_it_and_leaves_no_temporary_file() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    let o = dir.scan(&["-o", "missing/report.txt", "a.txt"]);
    assert_code(&o, 2);
    assert_line(&o, "doublet: missing/report.txt: cannot write the report: no such file or directory");
    // A directory in the way: the rename fails, the directory and its
    // contents stay, and the temporary file is gone.
    dir.create("out/report.txt/keep", "x");
    let o = dir.scan(&["-o", "out/report.txt", "a.txt"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("doublet: out/report.txt: cannot write the report: "), "{}", stderr(&o));
    assert_eq!(dir.entries("out"), ["report.txt"]);
    assert_eq!(dir.read("out/report.txt/keep"), "x");
    // A clean scan that cannot write its report is an error all the same.
    dir.create("clean.txt", page(&[P2]));
    assert_code(&dir.scan(&["-o", "missing/report.txt", "clean.txt"]), 2);
}

// ---------------------------------------------------------------------------
// Gates
// ---------------------------------------------------------------------------

#[test]
fn max_findings_trips_at_n_plus_one_not_at_n() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P3, P2, P4, P1, P5, P2]));
    let o = dir.scan(&["-f", "json", "a.txt"]);
    assert_eq!(kinds(&stdout(&o)), ["exact", "exact"]);
    assert_code(&o, 1);
    assert_code(&dir.scan(&["--max-findings", "2", "a.txt"]), 0);
    let o = dir.scan(&["--max-findings", "1", "a.txt"]);
    assert_code(&o, 1);
    assert_line(&o, "doublet: gate tripped: 2 findings counted by --fail-on any, more than --max-findings 1");
    // A clean run says nothing about gates.
    assert!(!stderr(&dir.scan(&["--max-findings", "2", "a.txt"])).contains("gate"));
}

#[test]
fn fail_on_counts_the_kinds_it_names() {
    let dir = Dir::new();
    mixed(&dir);
    let files = ["a.txt", "b.txt", "notice.txt", "article.txt"];
    // (fail-on, counted findings)
    for (fail_on, counted) in [("exact", 1), ("near", 2), ("any", 3)] {
        let run =
            |max: usize| dir.scan(&[&["--fail-on", fail_on, "--max-findings", &max.to_string()], &files[..]].concat());
        assert_code(&run(counted), 0);
        let o = run(counted - 1);
        assert_code(&o, 1);
        let want = format!(
            "doublet: gate tripped: {counted} finding{} counted by --fail-on {fail_on}, more than --max-findings {}",
            if counted == 1 { "" } else { "s" },
            counted - 1
        );
        assert_line(&o, &want);
    }
    assert_code(&dir.scan(&[&["--fail-on", "none"], &files[..]].concat()), 0);
    // The report is the same whatever the gate.
    let all = dir.scan(&[&["-f", "json", "--fail-on", "exact"], &files[..]].concat());
    assert_eq!(kinds(&stdout(&all)).len(), 3);
}

#[test]
fn layout_breaks_count_for_any_only() {
    let dir = Dir::new();
    dir.create("cut.txt", "The council met on Monday to discuss the new harbour plans and the budget for the\n\ncoming year, which was approved after a long debate among its members.\n");
    assert_code(&dir.scan(&["cut.txt"]), 0);
    let o = dir.scan(&["--check", "breaks", "cut.txt"]);
    assert_code(&o, 1);
    assert_line(
        &o,
        "doublet: gate tripped: 0 findings and 1 layout break counted by --fail-on any, more than --max-findings 0",
    );
    assert_code(&dir.scan(&["--check", "breaks", "--fail-on", "near", "cut.txt"]), 0);
    assert_code(&dir.scan(&["--check", "breaks", "--max-findings", "1", "cut.txt"]), 0);
}

#[test]
fn max_duplicated_trips_above_the_share_whatever_the_count() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P3, P1]));
    let o = dir.scan(&["-f", "json", "a.txt"]);
    let share = summary(&stdout(&o))["duplicated_percent"].as_f64().unwrap();
    assert!(share > 20.0 && share < 30.0, "{share}");
    let (below, above) = (format!("{:.2}", share - 0.01), format!("{:.2}", share + 0.01));
    assert_code(&dir.scan(&["--fail-on", "none", "--max-duplicated", &above, "a.txt"]), 0);
    let o = dir.scan(&["--fail-on", "none", "--max-duplicated", &below, "a.txt"]);
    assert_code(&o, 1);
    assert_line(
        &o,
        &format!("doublet: gate tripped: {share:.2}% of the bytes duplicated, more than --max-duplicated {below}"),
    );
    // Whatever the count: one finding is tolerated, the share is not.
    assert_code(&dir.scan(&["--max-findings", "5", "--max-duplicated", &below, "a.txt"]), 1);
    let o = dir.scan(&["--max-duplicated", "101", "a.txt"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("between 0 and 100"), "{}", stderr(&o));
}

#[test]
fn an_error_wins_over_a_tripped_gate() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    let o = dir.scan(&["a.txt", "missing.txt"]);
    assert_code(&o, 2);
    assert_line(&o, "doublet: missing.txt: no such file or directory");
}

#[test]
fn help_documents_the_exit_status_and_gates() {
    let dir = Dir::new();
    let o = dir.scan(&["--help"]);
    assert_code(&o, 0);
    let help = stdout(&o);
    for want in ["Exit status:", "a gate tripped", "--fail-on", "--max-findings", "--max-duplicated", "doublet.toml"] {
        assert!(help.contains(want), "{want:?} not in --help:\n{help}");
    }
}

// ---------------------------------------------------------------------------
// Baselines
// ---------------------------------------------------------------------------

#[test]
fn baseline_accepts_known_findings_and_catches_new_copies() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    let o = dir.scan(&["--baseline", "base.json", "--update-baseline", "a.txt"]);
    assert_code(&o, 0);
    assert!(stdout(&o).starts_with("[1] exact"), "the report is still written: {}", stdout(&o));
    assert_line(&o, "doublet: base.json: baseline written: 1 accepted finding");
    let base: Value = serde_json::from_str(&dir.read("base.json")).unwrap();
    assert_eq!(base["version"], 1);
    let entry = &base["findings"][0];
    assert_eq!(entry["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!((entry["kind"].as_str(), entry["paths"][0].as_str()), (Some("exact"), Some("a.txt")));
    assert!(entry["snippet"].as_str().unwrap().starts_with("The committee met"), "{entry}");
    assert!(dir.read("base.json").lines().count() > 5, "pretty-printed for people");

    // Accepted: left out of the report and the gate, counted in the summary.
    let o = dir.scan(&["--baseline", "base.json", "a.txt"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("; 1 finding accepted by the baseline;"), "{}", stderr(&o));
    let o = dir.scan(&["--baseline", "base.json", "-f", "json", "a.txt"]);
    let s = summary(&stdout(&o));
    assert_eq!(
        (s["findings"].as_u64(), s["accepted"].as_u64(), s["duplicated_bytes"].as_u64()),
        (Some(0), Some(1), Some(0))
    );

    // Moved down the file: still accepted.
    dir.create("a.txt", page(&[P3, P1, P2, P1]));
    assert_code(&dir.scan(&["--baseline", "base.json", "a.txt"]), 0);

    // A new verbatim copy of the accepted passage is new.
    dir.create("a.txt", page(&[P1, P2, P1, P4, P1]));
    let o = dir.scan(&["--baseline", "base.json", "-f", "json", "a.txt"]);
    assert_code(&o, 1);
    assert_eq!(kinds(&stdout(&o)), ["exact"]);
    assert_line(&o, "doublet: base.json: 1 accepted finding no longer occurs");

    // Gone altogether: a note, and nothing trips.
    dir.create("a.txt", page(&[P1, P2]));
    let o = dir.scan(&["--baseline", "base.json", "a.txt"]);
    assert_code(&o, 0);
    assert_line(&o, "doublet: base.json: 1 accepted finding no longer occurs");
}

#[test]
fn missing_baseline_is_an_error_naming_it() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    let o = dir.scan(&["--baseline", "base.json", "a.txt"]);
    assert_code(&o, 2);
    assert_eq!(stdout(&o), "");
    assert_line(&o, "doublet: base.json: baseline: no such file or directory (write it with --update-baseline)");
    let o = dir.scan(&["--update-baseline", "a.txt"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--baseline"), "{}", stderr(&o));
    let o = dir.scan(&["--baseline", "missing/base.json", "--update-baseline", "a.txt"]);
    assert_code(&o, 2);
    assert_line(&o, "doublet: missing/base.json: cannot write the baseline: no such file or directory");
}

#[test]
fn malformed_baseline_is_an_error_naming_file_and_line() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    dir.create("base.json", "{\n  \"version\": 1,\n  \"findings\": [\n    {\"fingerprint\": 42}\n  ]\n}\n");
    let o = dir.scan(&["--baseline", "base.json", "a.txt"]);
    assert_code(&o, 2);
    assert!(stderr(&o).starts_with("doublet: base.json:4:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a doublet baseline"), "{}", stderr(&o));
    dir.create("base.json", "{\"version\": 7, \"findings\": []}");
    let o = dir.scan(&["--baseline", "base.json", "a.txt"]);
    assert_code(&o, 2);
    assert_line(&o, "doublet: base.json: baseline version 7 is not supported (this doublet reads version 1)");
    // --update-baseline replaces a malformed file.
    assert_code(&dir.scan(&["--baseline", "base.json", "--update-baseline", "a.txt"]), 0);
    assert_code(&dir.scan(&["--baseline", "base.json", "a.txt"]), 0);
}

// ---------------------------------------------------------------------------
// doublet.toml
// ---------------------------------------------------------------------------

#[test]
fn config_is_found_upward_and_the_command_line_wins() {
    let dir = Dir::new();
    dir.create("texts/a.txt", page(&[P1, P2, P1]));
    dir.create("texts/b.txt", page(&[P3, P4, P3]));
    dir.create(
        "doublet.toml",
        "# the project's scan\npaths = [\"texts/a.txt\"]\nmax-findings = 1\nformat = \"json\"\n",
    );
    fs::create_dir_all(dir.path().join("deep/er")).unwrap();
    // From a subdirectory: paths are relative to the file.
    let o = dir.run_in("deep/er", &["scan", "--max-findings", "0"]);
    assert_code(&o, 1);
    let report = stdout(&o);
    assert_eq!(kinds(&report), ["exact"], "format from the file");
    assert!(report.contains("\"path\":\"../../texts/a.txt\""), "{report}");
    // Paths add up; max-findings from the file.
    let o = dir.scan(&["texts/b.txt"]);
    assert_code(&o, 1);
    assert_eq!(kinds(&stdout(&o)), ["exact", "exact"]);
    assert_code(&dir.scan(&[]), 0);
    // --no-config ignores the file.
    let o = dir.scan(&["--no-config", "texts/b.txt"]);
    assert!(stdout(&o).starts_with("[1] exact"), "{}", stdout(&o));
}

#[test]
fn config_file_named_explicitly_and_lists_add_up() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    dir.create("drafts/b.txt", page(&[P3, P4, P3]));
    dir.create("c.md", page(&[P5, P4, P5]));
    dir.create("ci/settings.toml", "exclude = [\"drafts/\"]\n");
    let o = dir.scan(&["--config", "ci/settings.toml", "--exclude", "*.md", "-f", "json", "."]);
    assert_code(&o, 1);
    let report = stdout(&o);
    assert_eq!(kinds(&report), ["exact"]);
    assert_eq!(summary(&report)["excluded"], 2);
    let o = dir.scan(&["--config", "ci/missing.toml", "a.txt"]);
    assert_code(&o, 2);
    assert_line(&o, "doublet: ci/missing.toml: no such file or directory");
}

#[test]
fn bad_config_keys_types_and_values_name_file_line_and_key() {
    let dir = Dir::new();
    dir.create("a.txt", page(&[P1, P2, P1]));
    let cases = [
        ("threshold = 0.7\n\nthreshhold = 0.8\n", "doublet: doublet.toml:3: threshhold: unknown key"),
        ("min_chars = 5\n", "doublet: doublet.toml:1: min_chars: unknown key (did you mean `min-chars`?)"),
        ("strict = 1\n", "doublet: doublet.toml:1: strict: takes a boolean (true or false), not integer"),
        ("ngram = true\n", "doublet: doublet.toml:1: ngram: takes a string or a number, not boolean"),
        ("\nfail-on = \"some\"\n", "doublet: doublet.toml:2: fail-on: invalid value 'some' for '--fail-on <KINDS>'"),
        ("threshold = 1.5\n", "doublet: doublet.toml:1: threshold: threshold must be in (0, 1], got 1.5"),
        ("exclude = [\"a[\"]\n", "doublet: doublet.toml:1: exclude: --exclude a[: "),
        ("format = \"json\"\nformat = \"text\"\n", "doublet: doublet.toml:2: not valid TOML"),
    ];
    for (text, want) in cases {
        dir.create("doublet.toml", text);
        let o = dir.scan(&["a.txt"]);
        assert_code(&o, 2);
        assert_eq!(stdout(&o), "", "{text:?}");
        assert!(stderr(&o).starts_with(want), "{text:?}: want {want:?}, got {}", stderr(&o));
        assert_code(&dir.scan(&["--no-config", "a.txt"]), 1);
    }
    // A value the command line overrides is not blamed on the file.
    dir.create("doublet.toml", "ngram = 4\n");
    let o = dir.scan(&["--threshold", "2", "a.txt"]);
    assert_code(&o, 2);
    assert_line(&o, "doublet: threshold must be in (0, 1], got 2");
}

#[test]
fn config_show_says_where_each_setting_comes_from() {
    let dir = Dir::new();
    dir.create("doublet.toml", "paths = [\"a.txt\"]\n\nthreshold = 0.7\nstrict = true\n");
    let o = dir.run(&["config", "--show", "--ngram", "4", "b.txt"]);
    assert_code(&o, 0);
    let shown = stdout(&o);
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")) || l.starts_with(&format!("# {key} ")))
            .unwrap_or_else(|| panic!("no {key} in\n{shown}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("paths"), "paths = [\"a.txt\", \"b.txt\"] # doublet.toml:1 + command line");
    assert_eq!(line("threshold"), "threshold = 0.7 # doublet.toml:3");
    assert_eq!(line("strict"), "strict = true # doublet.toml:4");
    assert_eq!(line("ngram"), "ngram = 4 # command line");
    assert_eq!(line("format"), "format = \"text\" # default");
    assert_eq!(line("bands"), "# bands (not set) # default");
    let o = dir.run(&["config", "--show", "--no-config"]);
    assert!(stdout(&o).contains("threshold = 0.6"), "{}", stdout(&o));
    // Every shown setting is a key the file accepts.
    dir.create("doublet.toml", stdout(&o).lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n"));
    assert_code(&dir.run(&["config", "--show"]), 0);
}

// ---------------------------------------------------------------------------
// Exclusions
// ---------------------------------------------------------------------------

#[test]
fn gitignore_and_ignore_files_are_honoured_outside_a_git_checkout() {
    let dir = Dir::new();
    dir.create("d/a.txt", page(&[P1, P2]));
    dir.create("d/build/copy.txt", page(&[P1]));
    dir.create("d/logs/run.log", page(&[P2]));
    dir.create("d/.gitignore", "build/\n");
    dir.create("d/logs/.ignore", "*.log\n");
    assert!(!dir.path().join(".git").exists());
    assert_code(&dir.scan(&["d"]), 0);
    let o = dir.scan(&["--no-ignore", "-f", "json", "d"]);
    assert_code(&o, 1);
    assert_eq!(kinds(&stdout(&o)), ["exact", "exact"]);
    // A file named explicitly is scanned whatever .gitignore says.
    assert_code(&dir.scan(&["d", "d/build/copy.txt"]), 1);
}

#[test]
fn exclude_globs_apply_to_walked_and_named_files_and_are_counted() {
    let dir = Dir::new();
    dir.create("d/a.txt", page(&[P1, P2]));
    dir.create("d/drafts/b.txt", page(&[P1]));
    dir.create("d/c.bak", page(&[P2]));
    let o = dir.scan(&["--exclude", "drafts/", "--exclude", "*.bak", "-f", "json", "d", "d/c.bak", "d/drafts/b.txt"]);
    assert_code(&o, 0);
    let s = summary(&stdout(&o));
    assert_eq!((s["files"].as_u64(), s["excluded"].as_u64()), (Some(1), Some(4)));
    let o = dir.scan(&["--exclude", "drafts/", "--exclude", "*.bak", "d"]);
    assert!(stderr(&o).contains("; 2 paths excluded;"), "{}", stderr(&o));
    let o = dir.scan(&["--exclude", "*.bak", "-f", "json", "d"]);
    assert_code(&o, 1);
    let o = dir.scan(&["--exclude", "[", "d"]);
    assert_code(&o, 2);
    assert!(stderr(&o).starts_with("doublet: --exclude [: "), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------
// Completions and man page
// ---------------------------------------------------------------------------

#[test]
fn completions_for_every_shell_know_the_options() {
    let dir = Dir::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = dir.run(&["completions", shell]);
        assert_code(&o, 0);
        let script = stdout(&o);
        for want in ["scan", "fail-on", "max-duplicated", "update-baseline"] {
            assert!(script.contains(want), "{shell}: no {want}");
        }
    }
    assert_code(&dir.run(&["completions", "tcsh"]), 2);
}

#[test]
fn man_page_has_every_scan_option() {
    let dir = Dir::new();
    let o = dir.run(&["man"]);
    assert_code(&o, 0);
    let page = stdout(&o);
    assert!(page.contains(".TH doublet 1"), "{page}");
    assert!(page.contains(".SH \"SCAN OPTIONS\""), "{page}");
    for want in ["fail\\-on", "max\\-findings", "baseline", "exclude", "threshold", "Exit status"] {
        assert!(page.contains(want), "no {want} in the man page");
    }
}
