//! End-to-end tests of what takes part in matching: Markdown structure,
//! inline ignore markers and `--ignore-pattern`. Every test runs the built
//! binary in a fresh temporary directory and reads its JSON Lines report;
//! every location is checked against the raw bytes of the file.

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Files written into a temporary directory, scanned there.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new(files: &[(&str, &str)]) -> Self {
        let tmp = tempfile::Builder::new().prefix("doublet-input-").tempdir().unwrap();
        for (name, text) in files {
            fs::write(tmp.path().join(name), text).unwrap();
        }
        Self { tmp }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// `doublet scan --format json ARGS…`.
    fn scan(&self, args: &[&str]) -> Report {
        let output = Command::cargo_bin("doublet")
            .unwrap()
            .current_dir(self.path())
            .args(["scan", "--format", "json"])
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        Report::parse(self.path(), output)
    }
}

/// One run: exit status, stderr, records.
struct Report {
    code: i32,
    stderr: String,
    records: Vec<Value>,
    dir: std::path::PathBuf,
}

impl Report {
    fn parse(dir: &Path, o: Output) -> Self {
        let stdout = String::from_utf8_lossy(&o.stdout);
        let records = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        Self {
            code: o.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            records,
            dir: dir.to_path_buf(),
        }
    }

    fn findings(&self) -> Vec<&Value> {
        self.records.iter().filter(|r| r["type"] == "finding").collect()
    }

    fn describe(&self) -> String {
        format!("exit {}\nstderr: {}\n{:#?}", self.code, self.stderr, self.findings())
    }

    /// Every occurrence as (path, line_start, col_start, line_end, col_end,
    /// raw text of its byte range), after checking the range's line and
    /// columns against the file.
    fn occurrences(&self) -> Vec<(String, usize, usize, usize, usize, String)> {
        let mut out = Vec::new();
        for f in self.findings() {
            for o in f["occurrences"].as_array().unwrap() {
                let n = |k: &str| o[k].as_u64().unwrap() as usize;
                let path = o["path"].as_str().unwrap().to_string();
                let data = fs::read_to_string(self.dir.join(&path)).unwrap();
                let (start, end) = (n("byte_start"), n("byte_end"));
                let position = |at: usize| {
                    let before = &data[..at];
                    let line = before.matches('\n').count() + 1;
                    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
                    (line, col)
                };
                let last = data[..end].char_indices().next_back().map_or(0, |(i, _)| i);
                assert_eq!(position(start), (n("line_start"), n("col_start")), "{}", self.describe());
                assert_eq!(position(last), (n("line_end"), n("col_end")), "{}", self.describe());
                out.push((
                    path,
                    n("line_start"),
                    n("col_start"),
                    n("line_end"),
                    n("col_end"),
                    data[start..end].to_string(),
                ));
            }
        }
        out
    }
}

const NOTICE: &str = "Candidates must bring their admission ticket and identity card to every exam.\n\
                      They must sit the exam honestly and follow the rules of the examination hall.";
const RULES: &str = "Phones, watches and notes stay in the locker outside the hall until the end.";

/// Markdown whose only shared text is not prose.
fn not_prose(title: &str, body: &str) -> String {
    format!(
        "---\ntitle: Shared front matter of every post in the series\nauthor: The Examinations Office\n---\n\
         # {title}\n{body}\n\n\
         ```sh\ncargo install doublet --locked --version 0.1.0\n\n\ndoublet scan --format json corpus/ > report.jsonl\n```\n\n\
         ~~~\nthe second fence, shared as well, long enough to be matched\n~~~\n\n\
         <div class=\"banner\">\nAn HTML block that every page of the site carries at the bottom.\n</div>\n\n\
         <!-- A comment that every page of the site carries at the bottom too. -->\n\n\
         [rules]: https://example.org/examinations/rules-for-candidates-and-invigilators \"The rules for candidates\"\n"
    )
}

#[test]
fn markdown_shared_only_in_code_front_matter_and_html_is_no_finding() {
    let a = not_prose("First post", "The harbour opened a new quay for the ferries on Monday morning.");
    let b = not_prose("Second post", "A choir from the old town sang in the cathedral on Sunday night.");
    let d = Dir::new(&[("a.md", &a), ("b.md", &b), ("a.txt", &a), ("b.txt", &b)]);
    let r = d.scan(&["a.md", "b.md"]);
    assert_eq!((r.code, r.findings().len()), (0, 0), "{}", r.describe());
    // The same files read as plain text share all of it.
    let plain = d.scan(&["a.txt", "b.txt"]);
    assert_eq!(plain.code, 1, "{}", plain.describe());
    assert!(plain.findings().len() >= 2, "{}", plain.describe());
}

#[test]
fn a_fence_never_closed_hides_the_rest_of_the_file() {
    let tail = "```\ncode\n\nThe council approved the budget for the new library after a long debate.\n";
    let d = Dir::new(&[
        ("a.md", &format!("Intro of the first one.\n\n{tail}")),
        ("b.md", &format!("Intro of the second.\n\n{tail}")),
    ]);
    let r = d.scan(&["a.md", "b.md"]);
    assert_eq!((r.code, r.findings().len()), (0, 0), "{}", r.describe());
}

#[test]
fn markdown_prose_is_found_at_raw_lines_and_columns() {
    // A heading with no blank line under it, the notice as a paragraph; then
    // the notice in a block quote, and the rules in a list with emphasis.
    let a = format!(
        "# Exam day\n{NOTICE}\n\n- **Phones**, watches and notes stay in the locker outside the hall until the end.\n"
    );
    let quoted = NOTICE.replace('\n', "\n> ");
    let b = format!("Intro.\n\n> {quoted}\n\n1. {RULES}\n");
    let d = Dir::new(&[("a.md", &a), ("b.md", &b)]);
    let r = d.scan(&["a.md", "b.md"]);
    assert_eq!(r.code, 1, "{}", r.describe());
    // One block of two paragraphs: the notice and the rules.
    assert_eq!(r.findings().len(), 1, "{}", r.describe());
    let f = r.findings()[0];
    assert_eq!((f["kind"].as_str(), f["paragraphs"].as_u64()), (Some("exact"), Some(2)), "{}", r.describe());
    let occ = r.occurrences();
    let at = |o: &(String, usize, usize, usize, usize, String)| (o.0.clone(), o.1, o.2, o.3, o.4);
    let rules = RULES.chars().count();
    // a.md: from the notice under the heading (the heading is a paragraph
    // of its own) to the end of the list item, `- **` included.
    assert_eq!(at(&occ[0]), ("a.md".into(), 2, 1, 5, 6 + rules), "{}", r.describe());
    // b.md: after the `> ` of the quote's first line, to the end of `1. …`.
    assert_eq!(at(&occ[1]), ("b.md".into(), 3, 3, 6, 3 + rules), "{}", r.describe());
    assert!(occ[1].5.starts_with(&quoted) && occ[1].5.ends_with(RULES), "{:?}", occ[1].5);
    let para = |i: usize, k: &str| f["occurrences"][i][k].as_u64().unwrap();
    assert_eq!((para(0, "para_start"), para(0, "para_end")), (1, 2), "the heading is paragraph 0 of a.md");
    assert_eq!((para(1, "para_start"), para(1, "para_end")), (1, 2), "`Intro.` is paragraph 0 of b.md");
}

#[test]
fn a_passage_inside_markdown_markup_is_located_in_the_raw_file() {
    let quote = "the minister said the bridge will open to traffic before the end of the summer holidays";
    let a = format!("A short note that quotes it: *{quote}*, and then goes on about other things entirely, at length, for a while longer than the quote.\n");
    let b = format!("> In an interview [on Tuesday](https://example.org/interview), **{quote}**; the harbour master was less sure and said so on the radio.\n");
    let d = Dir::new(&[("a.md", &a), ("b.md", &b)]);
    let r = d.scan(&["a.md", "b.md"]);
    assert_eq!(r.code, 1, "{}", r.describe());
    let occ = r.occurrences();
    assert!(!occ.is_empty(), "{}", r.describe());
    for o in &occ {
        // The passage is the quote, as written in the raw file, without the
        // link destination or the emphasis around it.
        assert!(o.5.contains("bridge will open"), "{o:?}");
        assert!(!o.5.contains("https") && !o.5.starts_with('*'), "{o:?}");
    }
}

#[test]
fn standard_input_stays_plain_text() {
    let a = not_prose("First post", "The harbour opened a new quay for the ferries on Monday morning.");
    let b = not_prose("Second post", "A choir from the old town sang in the cathedral on Sunday night.");
    let d = Dir::new(&[("a.txt", &a)]);
    let output = Command::cargo_bin("doublet")
        .unwrap()
        .current_dir(d.path())
        .args(["scan", "--format", "json", "a.txt", "-"])
        .write_stdin(b)
        .output()
        .unwrap();
    let r = Report::parse(d.path(), output);
    // Read as Markdown, stdin would share nothing with a.txt (see above);
    // as plain text its code fence is a paragraph like any other.
    assert_eq!(r.code, 1, "{}", r.describe());
    let fence_on_stdin = r.findings().iter().flat_map(|f| f["occurrences"].as_array().unwrap()).any(|o| {
        let n = |k: &str| o[k].as_u64().unwrap() as usize;
        o["path"] == "<stdin>" && n("line_start") <= 9 && n("line_end") >= 9
    });
    assert!(fence_on_stdin, "line 9 of stdin is the fence's first line: {}", r.describe());
}

#[test]
fn a_repeated_block_stops_at_an_ignored_region_and_starts_again_after_it() {
    let p = [
        "The first paragraph of the report, long enough to be matched on its own.",
        "The second paragraph of the report goes on about the budget of the year.",
        "The third paragraph of the report says what the council decided to do.",
        "The fourth paragraph of the report thanks everyone who took part in it.",
    ];
    let a = p.join("\n\n");
    let ignored = "/* doublet: ignore-start */\nAdvert.\n/* doublet: ignore-end */";
    let b = format!("{}\n\n{}\n{ignored}\n\n{}\n\n{}\n", p[0], p[1], p[2], p[3]);
    // Without the markers the short advert is carried inside one block.
    let unmarked = format!("{}\n\n{}\n\nAdvert.\n\n{}\n\n{}\n", p[0], p[1], p[2], p[3]);
    let d = Dir::new(&[("a.txt", &a), ("b.txt", &b), ("c.txt", &unmarked)]);
    let r = d.scan(&["a.txt", "c.txt"]);
    assert_eq!(r.findings().len(), 1, "{}", r.describe());
    assert_eq!(r.findings()[0]["paragraphs"], 4);

    let r = d.scan(&["a.txt", "b.txt"]);
    assert_eq!(r.code, 1, "{}", r.describe());
    let sizes: Vec<u64> = r.findings().iter().map(|f| f["paragraphs"].as_u64().unwrap()).collect();
    assert_eq!(sizes, vec![2, 2], "{}", r.describe());
    let start = b.find("/*").unwrap();
    let end = start + ignored.len();
    for f in r.findings() {
        for o in f["occurrences"].as_array().unwrap().iter().filter(|o| o["path"] == "b.txt") {
            let (s, e) = (o["byte_start"].as_u64().unwrap() as usize, o["byte_end"].as_u64().unwrap() as usize);
            assert!(e <= start || s >= end, "occurrence {s}..{e} covers the ignored {start}..{end}");
        }
    }
    let lines: Vec<(String, usize, usize)> = r.occurrences().into_iter().map(|o| (o.0, o.1, o.3)).collect();
    assert_eq!(
        lines,
        vec![("a.txt".into(), 1, 3), ("b.txt".into(), 1, 3), ("a.txt".into(), 5, 7), ("b.txt".into(), 8, 10)],
        "{}",
        r.describe()
    );
}

#[test]
fn ignored_text_matches_nothing_in_plain_text_and_markdown() {
    let notice = "考生须凭本人准考证、有效身份证件，经人脸识别验证通过后，方可进入考场参加考试。";
    let a =
        format!("第一篇文章的正文，讲的是港口的新码头。\n% doublet: ignore-start\n{notice}\n% doublet: ignore-end\n");
    let b = format!("第二篇文章的正文，讲的是老城的合唱团。\n\n<!-- doublet: ignore-start -->\n{notice}\n\n{notice}\n<!-- doublet: ignore-end -->\n");
    let d = Dir::new(&[("a.txt", &a), ("b.md", &b), ("c.txt", notice)]);
    let r = d.scan(&["a.txt", "b.md", "c.txt"]);
    assert_eq!((r.code, r.findings().len()), (0, 0), "{}", r.describe());
    assert!(!r.stderr.contains("line"), "no notes expected: {}", r.stderr);
}

#[test]
fn markdown_markers_count_only_in_html_comments() {
    let body = "The council approved the budget for the new library after a long debate.";
    // Documentation of the marker, in prose and in a code fence: ignores nothing.
    let a = format!("Write `doublet: ignore-start` on a line.\n\n```\n# doublet: ignore-start\n```\n\n{body}\n");
    let d = Dir::new(&[("a.md", &a), ("b.txt", body)]);
    let r = d.scan(&["a.md", "b.txt"]);
    assert_eq!(r.findings().len(), 1, "{}", r.describe());
    assert!(!r.stderr.contains("never closed"), "{}", r.stderr);
}

#[test]
fn unclosed_and_stray_markers_give_notes_naming_file_and_line() {
    let body = "The council approved the budget for the new library after a long debate.";
    let d = Dir::new(&[
        ("a.txt", &format!("{body}\n\n# doublet: ignore-end\n\n{body}\n\n# doublet: ignore-start\n\n{body}\n")),
        ("b.md", "Text.\n\n<!-- doublet: ignore-start -->\n\nmore\n"),
    ]);
    let r = d.scan(&["a.txt", "b.md"]);
    // The two copies before the unclosed start are found; the third is ignored.
    assert_eq!(r.findings().len(), 1, "{}", r.describe());
    assert_eq!(r.findings()[0]["occurrences"].as_array().unwrap().len(), 2);
    assert_eq!(r.code, 1, "notes do not make an error: {}", r.describe());
    let notes: Vec<&str> = r.stderr.lines().filter(|l| l.contains("ignore-")).collect();
    assert_eq!(notes.len(), 3, "{}", r.stderr);
    assert!(notes[0].starts_with("doublet: a.txt: line 3: ") && notes[0].contains("without"), "{notes:?}");
    assert!(notes[1].starts_with("doublet: a.txt: line 7: ") && notes[1].contains("never closed"), "{notes:?}");
    assert!(notes[2].starts_with("doublet: b.md: line 3: ") && notes[2].contains("never closed"), "{notes:?}");
}

const BYLINE: &str = "By Jane Doe and John Roe, Staff Reporters of the Morning Herald, from the city desk in Hohhot";

#[test]
fn a_byline_before_two_different_articles_is_no_finding_with_the_pattern() {
    let one = "The council approved the budget for the new library after a long debate.";
    let two = "A choir from the old town sang in the cathedral on Sunday night, to applause.";
    let d = Dir::new(&[
        ("a.txt", &format!("{BYLINE}\n{one}\n")),
        ("b.txt", &format!("{BYLINE}\n{two}\n")),
        ("c.txt", &format!("{BYLINE}\n\n{one}\n")),
        ("d.txt", &format!("{BYLINE}\n\n{two}\n")),
    ]);
    // Without the pattern the byline is a shared passage, or a paragraph.
    for files in [["a.txt", "b.txt"], ["c.txt", "d.txt"]] {
        let r = d.scan(&files);
        assert_eq!(r.code, 1, "{}", r.describe());
        let r = d.scan(&[&files[..], &["--ignore-pattern", "^By .*Reporters.*$"]].concat());
        assert_eq!((r.code, r.findings().len()), (0, 0), "{}", r.describe());
    }
}

#[test]
fn a_repeated_article_under_different_bylines_is_found_without_them() {
    let article = "The council approved the budget for the new library after a long debate.\n\
                   Work on the building starts in spring and ends before the next winter.";
    let d = Dir::new(&[
        ("a.txt", &format!("{BYLINE}\n{article}\n")),
        ("b.txt", &format!("Other news first, a paragraph that is only in this file.\n\nBy Ann Poe, Staff Reporter of the Evening Post\n{article}\n")),
    ]);
    let args = ["a.txt", "b.txt", "--ignore-pattern", "^By .*Report.*$", "--ignore-pattern", "unused"];
    let r = d.scan(&args);
    assert_eq!(r.code, 1, "{}", r.describe());
    assert_eq!(r.findings().len(), 1, "{}", r.describe());
    assert_eq!(r.findings()[0]["kind"], "exact", "{}", r.describe());
    let occ = r.occurrences();
    assert_eq!((occ[0].1, occ[0].2, occ[1].1, occ[1].2), (2, 1, 4, 1), "{}", r.describe());
    assert_eq!((occ[0].5.as_str(), occ[1].5.as_str()), (article, article));
    // The begin record says what was ignored.
    assert_eq!(r.records[0]["params"]["ignore_patterns"], serde_json::json!(["^By .*Report.*$", "unused"]));
}

#[test]
fn a_bad_pattern_is_an_error_naming_option_and_pattern() {
    let d = Dir::new(&[("a.txt", "text")]);
    let r = d.scan(&["a.txt", "--ignore-pattern", "(unclosed"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.records.is_empty(), "no report on a bad option");
    assert!(r.stderr.starts_with("doublet: --ignore-pattern \"(unclosed\""), "{}", r.stderr);
}

#[test]
fn in_ocr_files_a_block_touched_by_an_ignored_region_is_left_out() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ocr/notice.hocr");
    let hocr = fs::read_to_string(fixture).unwrap();
    // The second copy of the page's repeated block starts with par_1_7:
    // markers on lines of their own (XML comments) around that block.
    let open = hocr.find("    <p class='ocr_par' id='par_1_7'").unwrap();
    let close = open + hocr[open..].find("</p>\n").unwrap() + "</p>\n".len();
    let marked = format!(
        "{}<!-- doublet: ignore-start -->\n{}<!-- doublet: ignore-end -->\n{}",
        &hocr[..open],
        &hocr[open..close],
        &hocr[close..]
    );
    let end_line = marked[..marked.find("doublet: ignore-end").unwrap()].matches('\n').count() + 1;
    let d = Dir::new(&[("notice.hocr", &hocr), ("marked.hocr", &marked)]);
    let r = d.scan(&["notice.hocr"]);
    assert_eq!(r.findings()[0]["paragraphs"], 2, "{}", r.describe());
    let r = d.scan(&["marked.hocr"]);
    assert_eq!(r.code, 1, "{}", r.describe());
    assert_eq!(r.findings().len(), 1, "{}", r.describe());
    let f = r.findings()[0];
    assert_eq!(f["paragraphs"], 1, "only the block after the region still matches: {}", r.describe());
    let second = &f["occurrences"][1];
    assert!(second["line_start"].as_u64().unwrap() as usize > end_line, "{}", r.describe());
    assert_eq!(second["page"], 2);
}
