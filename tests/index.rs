//! The persistent index end to end: `doublet index add|compact|stats` and
//! `doublet check`, through the built binary, in fresh temporary
//! directories: what a check finds and where, that it adds nothing, refused
//! parameters, the writer lock, writers killed at every step, damaged
//! segments, compaction, changed indexed files, and the report formats and
//! gates of a check.

use std::fs;
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

const P1: &str = "The committee met on Tuesday to review the budget for the coming year.";
const P2: &str = "Every station along the northern line will close for repairs in March.";
const P3: &str = "Volunteers planted four hundred trees on the hills above the old quarry.";
const P4: &str = "A spokesman said the bridge would reopen once the inspection was complete.";
const P5: &str = "The library will extend its opening hours during the examination period.";
const P6: &str = "Fishermen reported the largest catch of herring in twenty years this week.";
const P7: &str = "The school choir will sing at the harvest festival on Saturday afternoon.";

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::Builder::new().prefix("doublet-index-").tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn create(&self, name: &str, paragraphs: &[&str]) {
        fs::write(self.path().join(name), paragraphs.join("\n\n") + "\n").unwrap();
    }

    /// Names in the index directory, sorted.
    fn index_files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.path().join("ix"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::cargo_bin("doublet").unwrap().current_dir(self.path()).args(args).output().unwrap()
    }

    fn run_env(&self, args: &[&str], key: &str, value: &str) -> Output {
        Command::cargo_bin("doublet").unwrap().current_dir(self.path()).env(key, value).args(args).output().unwrap()
    }

    /// `index add` that must succeed.
    fn add(&self, paths: &[&str]) {
        let out = self.run(&[&["index", "add", "--index", "ix"], paths].concat());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    /// The findings of `check --format json` as (kind, [(path, line_start,
    /// line_end, para_start, para_end)]), and the exit status.
    fn check(&self, paths: &[&str]) -> (Vec<(String, Copies)>, Option<i32>) {
        let out = self.run(&[&["check", "--index", "ix", "--format", "json"], paths].concat());
        (findings(&out), out.status.code())
    }

    fn stats(&self) -> String {
        let out = self.run(&["index", "stats", "--index", "ix"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

type Copies = Vec<(String, u64, u64, u64, u64)>;

fn findings(out: &Output) -> Vec<(String, Copies)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "finding")
        .map(|f| {
            let copies = f["occurrences"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    let n = |k: &str| o[k].as_u64().unwrap();
                    (
                        o["path"].as_str().unwrap().to_string(),
                        n("line_start"),
                        n("line_end"),
                        n("para_start"),
                        n("para_end"),
                    )
                })
                .collect();
            (f["kind"].as_str().unwrap().to_string(), copies)
        })
        .collect()
}

fn stat(stats: &str, key: &str) -> u64 {
    let line = stats.lines().find(|l| l.starts_with(&format!("{key}: "))).unwrap();
    line[key.len() + 2..].parse().unwrap()
}

/// An archive of two files and a batch that copies a block of the first.
fn archive() -> Dir {
    let d = Dir::new();
    d.create("a.txt", &[P3, P1, P2, P4]);
    d.create("b.txt", &[P5, P6]);
    d.create("batch.txt", &[P7, P1, P2]);
    d.add(&["a.txt"]);
    d.add(&["b.txt"]);
    d
}

#[test]
fn check_finds_a_copied_block_with_both_locations_as_a_scan_does() {
    let d = archive();
    let (found, code) = d.check(&["batch.txt"]);
    assert_eq!(code, Some(1));
    let want = vec![("batch.txt".to_string(), 3, 5, 1, 2), ("a.txt".to_string(), 3, 5, 1, 2)];
    assert_eq!(found, vec![("exact".to_string(), want)]);
    // A scan of the batch with the indexed files finds the same.
    let scan = d.run(&["scan", "--format", "json", "batch.txt", "a.txt", "b.txt"]);
    assert_eq!(findings(&scan), found);
    // A batch with nothing indexed in it passes.
    d.create("new.txt", &[P7]);
    assert_eq!(d.check(&["new.txt"]), (vec![], Some(0)));
}

#[test]
fn check_finds_near_copies_and_copies_inside_the_batch() {
    let d = archive();
    let near = P4.replace("bridge", "bridges");
    d.create("batch.txt", &[&near, P7, P7]);
    let (found, code) = d.check(&["batch.txt"]);
    assert_eq!(code, Some(1));
    let kinds: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(kinds, ["near", "exact"], "{found:?}");
    assert_eq!(found[0].1[1].0, "a.txt");
    assert_eq!(found[1].1.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["batch.txt", "batch.txt"]);
}

#[test]
fn check_does_not_add() {
    let d = archive();
    let before = (d.stats(), d.index_files(), fs::read(d.path().join("ix/MANIFEST")).unwrap());
    d.check(&["batch.txt"]);
    assert_eq!((d.stats(), d.index_files(), fs::read(d.path().join("ix/MANIFEST")).unwrap()), before);
    assert_eq!(stat(&before.0, "files"), 2);
    assert_eq!(stat(&before.0, "segments"), 2);
}

#[test]
fn adding_with_other_parameters_is_refused_naming_both_values() {
    let d = archive();
    d.create("c.txt", &[P7]);
    let out = d.run(&["index", "add", "--index", "ix", "--threshold", "0.8", "c.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("built with threshold 0.6, this run has threshold 0.8"), "{}", stderr(&out));
    let out = d.run(&["check", "--index", "ix", "--ngram", "4", "c.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("built with ngram 5, this run has ngram 4"), "{}", stderr(&out));
    let out = d.run(&["check", "--index", "ix", "--text-field", "body", "c.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(r#"built with text-field "text", this run has text-field "body""#),
        "{}",
        stderr(&out)
    );
    let out = d.run(&["check", "--index", "ix", "--id-field", "id", "c.txt"]);
    assert!(stderr(&out).contains(r#"built with id-field null, this run has id-field "id""#), "{}", stderr(&out));
    // An index whose manifest predates a pinned parameter had its default.
    let manifest = d.path().join("ix/MANIFEST");
    let text = fs::read_to_string(&manifest).unwrap();
    let mut m: Value = serde_json::from_str(&text).unwrap();
    m["params"].as_object_mut().unwrap().remove("text-field");
    fs::write(&manifest, serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(d.check(&["c.txt"]).1, Some(0));
    fs::write(&manifest, text).unwrap();
    assert_eq!(stat(&d.stats(), "files"), 2);
    // Already indexed paths are not added twice; what cannot be read again is refused.
    let out = d.run(&["index", "add", "--index", "ix", "a.txt", "c.txt"]);
    assert!(stderr(&out).contains("a.txt: already in the index"), "{}", stderr(&out));
    assert_eq!(stat(&d.stats(), "files"), 3);
    let out = Command::cargo_bin("doublet")
        .unwrap()
        .current_dir(d.path())
        .args(["index", "add", "--index", "ix", "-"])
        .write_stdin(P1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only regular files can be indexed"), "{}", stderr(&out));
    // A directory that is not an index is left alone.
    let out = d.run(&["index", "add", "--index", ".", "c.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not an index directory"), "{}", stderr(&out));
}

#[test]
fn add_and_check_read_doublet_toml_but_not_its_paths() {
    let d = Dir::new();
    d.create("a.txt", &[P3, P1, P2, P4]);
    d.create("batch.txt", &[P7, P1, P2]);
    d.create("other.txt", &[P1, P2]);
    // The project's paths are not a batch: neither add nor check takes them.
    fs::write(d.path().join("doublet.toml"), "paths = [\"other.txt\"]\nthreshold = 0.8\n").unwrap();
    d.add(&["a.txt"]);
    let stats = d.stats();
    assert_eq!(stat(&stats, "files"), 1, "{stats}");
    assert!(stats.contains("threshold: 0.8"), "{stats}");
    let (found, code) = d.check(&["batch.txt"]);
    assert_eq!(code, Some(1));
    assert!(found.iter().all(|(_, copies)| copies.iter().all(|c| c.0 != "other.txt")), "{found:?}");
    // Without the file the default threshold is refused, naming both values.
    let out = d.run(&["check", "--index", "ix", "--no-config", "batch.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("built with threshold 0.8, this run has threshold 0.6"), "{}", stderr(&out));
    // A bad setting is named with its file and line, as for scan.
    fs::write(d.path().join("doublet.toml"), "threshold = 0.8\nngram = \"five\"\n").unwrap();
    let out = d.run(&["index", "add", "--index", "ix", "batch.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("doublet.toml:2: ngram"), "{}", stderr(&out));
}

#[test]
fn a_second_writer_is_locked_out_and_readers_go_on() {
    let d = archive();
    let lock = fs::File::open(d.path().join("ix/LOCK")).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    d.create("c.txt", &[P7]);
    for args in [&["index", "add", "--index", "ix", "c.txt"][..], &["index", "compact", "--index", "ix"]] {
        let out = d.run(args);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("index ix is locked by another writer"), "{}", stderr(&out));
    }
    assert_eq!(d.check(&["batch.txt"]).1, Some(1));
    drop(lock);
    d.add(&["c.txt"]);
}

#[test]
fn a_writer_killed_at_any_step_leaves_the_index_answering_as_before() {
    let d = archive();
    d.create("c.txt", &[P7, P5]);
    d.create("batch2.txt", &[P7]);
    let before = d.check(&["batch.txt", "batch2.txt"]);
    let stats = d.stats();
    for step in ["segment-partial", "segment-written", "segment-renamed", "manifest-written"] {
        let out = d.run_env(&["index", "add", "--index", "ix", "c.txt"], "DOUBLET_INDEX_CRASH_AFTER", step);
        assert!(!out.status.success(), "{step}: {}", stderr(&out));
        assert_eq!(d.check(&["batch.txt", "batch2.txt"]), before, "{step}");
        assert_eq!(d.stats(), stats, "{step}");
    }
    let out = d.run_env(&["index", "compact", "--index", "ix"], "DOUBLET_INDEX_CRASH_AFTER", "manifest-written");
    assert!(!out.status.success());
    assert_eq!(d.check(&["batch.txt", "batch2.txt"]), before);
    // Killed after the manifest took effect: the batch is in.
    let out = d.run_env(&["index", "add", "--index", "ix", "c.txt"], "DOUBLET_INDEX_CRASH_AFTER", "manifest-renamed");
    assert!(!out.status.success());
    assert_eq!(stat(&d.stats(), "files"), 3);
    let (after, _) = d.check(&["batch2.txt"]);
    assert_eq!(after[0].1.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["batch2.txt", "c.txt"]);
    // The next writer removes what the killed ones left (a segment never
    // named by a manifest, a manifest never renamed).
    fs::write(d.path().join("ix/seg-000009.dseg.tmp"), "left over").unwrap();
    d.create("d.txt", &[P6]);
    d.add(&["d.txt"]);
    assert_eq!(
        d.index_files(),
        ["LOCK", "MANIFEST", "seg-000001.dseg", "seg-000002.dseg", "seg-000003.dseg", "seg-000004.dseg"]
    );
}

#[test]
fn corrupt_and_truncated_segments_are_named() {
    let d = archive();
    let seg = d.path().join("ix/seg-000001.dseg");
    let mut bytes = fs::read(&seg).unwrap();
    bytes[200] ^= 1;
    fs::write(&seg, &bytes).unwrap();
    for args in [&["check", "--index", "ix", "batch.txt"][..], &["index", "stats", "--index", "ix"]] {
        let out = d.run(args);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains("ix/seg-000001.dseg: corrupt segment: checksum"), "{err}");
    }
    bytes[200] ^= 1;
    fs::write(&seg, &bytes[..bytes.len() - 100]).unwrap();
    let out = d.run(&["check", "--index", "ix", "batch.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ix/seg-000001.dseg: truncated or damaged segment"), "{}", stderr(&out));
    fs::write(&seg, &bytes).unwrap();
    assert_eq!(d.check(&["batch.txt"]).1, Some(1));
}

/// A paragraph of its own for number `i`.
fn numbered(i: usize) -> String {
    format!("Entry {i} of the ledger records a delivery of {} sacks of grain to the mill at {} o'clock.", i * 7, i % 12)
}

#[test]
fn damage_beyond_the_first_block_is_found_when_read_and_by_verify() {
    let d = Dir::new();
    let many: Vec<String> = (0..300).map(numbered).collect();
    d.create("big.txt", &many.iter().map(String::as_str).collect::<Vec<_>>());
    d.create("batch.txt", &[P7, &many[150]]);
    d.create("small.txt", &[P5]);
    d.add(&["big.txt"]);
    d.add(&["small.txt"]);
    assert_eq!(d.check(&["batch.txt"]).1, Some(1));
    let seg = d.path().join("ix/seg-000001.dseg");
    let original = fs::read(&seg).unwrap();
    // Where the tables end: before 8 bytes per block (its size in the
    // header) and the footer.
    let len = original.len();
    let block = u32::from_le_bytes(original[48..52].try_into().unwrap()) as usize;
    let data_end =
        (1..len).map(|blocks| len - 16 - 8 * blocks).find(|&end| end.div_ceil(block) * 8 == len - 16 - end).unwrap();
    assert!(data_end > 3 * block, "the segment spans several blocks: {data_end}");
    // The last byte of the paths: the indexed file's name, which a check
    // that finds a copy in it reads.
    let mut bytes = original.clone();
    bytes[data_end - 1] ^= 1;
    fs::write(&seg, &bytes).unwrap();
    assert_eq!(d.run(&["index", "stats", "--index", "ix"]).status.code(), Some(0), "opening reads the header only");
    for args in [
        &["check", "--index", "ix", "batch.txt"][..],
        &["index", "verify", "--index", "ix"],
        &["index", "compact", "--index", "ix"],
        &["index", "add", "--index", "ix", "batch.txt"],
    ] {
        let out = d.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("ix/seg-000001.dseg: corrupt segment: checksum"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing reported from a damaged segment");
    }
    fs::write(&seg, &original).unwrap();
    let out = d.run(&["index", "verify", "--index", "ix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("every block matches its checksum"));
    assert_eq!(d.check(&["batch.txt"]).1, Some(1));
}

#[test]
fn compaction_keeps_every_answer_and_retires_old_segments() {
    let d = archive();
    d.create("c.txt", &[P7, P4]);
    d.add(&["c.txt"]);
    d.create("batch2.txt", &[P5, P6, P7]);
    let batches: [&[&str]; 3] = [&["batch.txt"], &["batch2.txt"], &["batch.txt", "batch2.txt"]];
    let before: Vec<_> = batches.iter().map(|b| d.check(b)).collect();
    assert!(before.iter().all(|(f, _)| !f.is_empty()));
    let out = d.run(&["index", "compact", "--index", "ix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stats = d.stats();
    assert_eq!((stat(&stats, "segments"), stat(&stats, "retired segments")), (1, 3));
    assert_eq!((stat(&stats, "files"), stat(&stats, "items")), (3, 8));
    let after: Vec<_> = batches.iter().map(|b| d.check(b)).collect();
    assert_eq!(after, before);
    // Retired segments stay for readers until their grace has passed.
    assert!(d.path().join("ix/seg-000001.dseg").exists());
    let out = d.run_env(&["index", "compact", "--index", "ix"], "DOUBLET_INDEX_GRACE_SECS", "0");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(d.index_files(), ["LOCK", "MANIFEST", "seg-000004.dseg"]);
    assert_eq!(batches.iter().map(|b| d.check(b)).collect::<Vec<_>>(), before);
}

#[test]
fn a_changed_or_gone_indexed_file_is_reported_and_its_exact_copies_kept() {
    let d = archive();
    // Lines move: the stored locations are what the file held when indexed.
    d.create("a.txt", &["A new first paragraph, added after the file was indexed.", P3, P1, P2, P4]);
    let out = d.run(&["check", "--index", "ix", "--format", "json", "batch.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("a.txt: changed since it was indexed"), "{}", stderr(&out));
    let want: Copies = vec![
        ("batch.txt".into(), 3, 3, 1, 1),
        ("a.txt".into(), 3, 3, 1, 1),
        ("batch.txt".into(), 5, 5, 2, 2),
        ("a.txt".into(), 5, 5, 2, 2),
    ];
    let got: Copies = findings(&out)
        .into_iter()
        .flat_map(|(kind, c)| {
            assert_eq!(kind, "exact");
            c
        })
        .collect();
    assert_eq!(got, want);
    fs::remove_file(d.path().join("a.txt")).unwrap();
    let out = d.run(&["check", "--index", "ix", "--format", "json", "batch.txt"]);
    assert!(stderr(&out).contains("a.txt: indexed, but cannot be read again"), "{}", stderr(&out));
    assert_eq!(findings(&out).len(), 2);
}

#[test]
fn check_takes_every_format_gate_and_baseline() {
    let d = archive();
    let out = d.run(&["check", "--index", "ix", "--format", "sarif", "batch.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let locations = sarif["runs"][0]["results"][0]["locations"].as_array().unwrap();
    let uris: Vec<&str> =
        locations.iter().map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, ["batch.txt", "a.txt"]);
    let out = d.run(&["check", "--index", "ix", "--max-findings", "1", "batch.txt"]);
    assert_eq!(out.status.code(), Some(0));
    let out = d.run(&["check", "--index", "ix", "--fail-on", "near", "batch.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("gate tripped: 1 finding counted by --fail-on near"), "{}", stderr(&out));
    let out = d.run(&["check", "--index", "ix", "--baseline", "base.json", "--update-baseline", "batch.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = d.run(&["check", "--index", "ix", "--baseline", "base.json", "batch.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 finding accepted by the baseline"), "{}", stderr(&out));
    let out = d.run(&["check", "--index", "ix", "--format", "html", "--output", "r.html", "batch.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(fs::read_to_string(d.path().join("r.html")).unwrap().contains(P1));
}

const NOTICE: &str = "考生须凭本人准考证、有效身份证件，经人脸识别验证通过后，方可进入考场参加考试。";
const TICKETS: &str =
    "Visitors must show a valid ticket and a photo identity card at the north gate before entering the hall.";
const SHARED: &str =
    "The commission found that the dam had been inspected only twice in the eleven years before it failed.";

/// A paragraph holding [`SHARED`].
fn water() -> String {
    format!(
        "Reporters spent the winter reading the archive of the regional water authority. {SHARED} \
         Nobody at the authority would say who had signed the last inspection report."
    )
}

/// Another paragraph holding [`SHARED`], otherwise different.
fn hearing() -> String {
    format!(
        "At the hearing the families of the victims asked why the warnings had been ignored for so long. \
         {SHARED} The minister promised a new law before the summer recess."
    )
}

/// An index of an article that quotes [`NOTICE`], a notice ([`TICKETS`]),
/// a paragraph holding [`SHARED`], and a file of neither. Each quotation is
/// a small part of the longer paragraph: their sketches are far apart, so
/// only the passage anchors find them.
fn quoting_archive() -> Dir {
    let d = Dir::new();
    let article = format!(
        "本报讯 今年的考试安排已经公布，全市共设四十二个考点，比去年增加六个，新增考点均位于城区东部。考试院提醒：\
         {NOTICE}其他事项另行通知，请广大考生及时关注官方发布的信息，合理安排出行，提前熟悉考点周边的交通和停车情况，\
         雨雪天气更要预留足够的时间。"
    );
    d.create("article.txt", &[&article]);
    d.create("tickets.txt", &["Opening hours", TICKETS]);
    let water = water();
    d.create("water.txt", &[&water]);
    d.create("other.txt", &[P1, P2, P3]);
    d.add(&["article.txt", "tickets.txt"]);
    d.add(&["water.txt", "other.txt"]);
    d
}

#[test]
fn check_finds_quotations_of_and_in_indexed_files_as_a_scan_does() {
    let d = quoting_archive();
    let hearing = hearing();
    let guide = format!(
        "The museum reopened in May after two years of work on the roof, the lifts and the old reading room. \
         {TICKETS} Guided tours start at ten and at two, and the cafe on the first floor stays open until six."
    );
    d.create("notice.txt", &["考试须知", NOTICE]);
    d.create("guide.txt", &[&guide]);
    d.create("hearing.txt", &[&hearing]);
    let indexed = ["article.txt", "tickets.txt", "water.txt", "other.txt"];
    // A batch paragraph quoted in an indexed one, one that quotes an indexed
    // paragraph, and a passage shared with an indexed paragraph.
    for (batch, kind, copy) in [
        ("notice.txt", "containment", "article.txt"),
        ("guide.txt", "containment", "tickets.txt"),
        ("hearing.txt", "passage", "water.txt"),
    ] {
        let out = d.run(&["check", "--index", "ix", "--format", "json", batch]);
        assert_eq!(out.status.code(), Some(1), "{batch}: {}", stderr(&out));
        let found = findings(&out);
        assert_eq!(found.len(), 1, "{batch}: {found:?}");
        assert_eq!(found[0].0, kind, "{batch}");
        let paths: Vec<&str> = found[0].1.iter().map(|c| c.0.as_str()).collect();
        assert!(paths.contains(&batch) && paths.contains(&copy), "{batch}: {paths:?}");
        // The file holding the copy is read again (with others, maybe: in an
        // index this small, no anchor is common).
        assert!(stderr(&out).contains("candidates, read again"), "{batch}: {}", stderr(&out));
        // And it is what a scan of the batch with the whole index finds.
        let scan = d.run(&[&["scan", "--format", "json", batch][..], &indexed].concat());
        let involving: Vec<_> = findings(&scan).into_iter().filter(|f| f.1.iter().any(|c| c.0 == batch)).collect();
        assert_eq!(involving, found, "{batch}");
    }
    // Compacted, the index answers the same.
    let before = d.check(&["notice.txt", "guide.txt", "hearing.txt"]);
    assert_eq!(before.0.len(), 3);
    let out = d.run(&["index", "compact", "--index", "ix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(d.check(&["notice.txt", "guide.txt", "hearing.txt"]), before);
}

/// The occurrences in `path` of the findings of a JSON report, each as the
/// location keys a stored copy must give as a scan does.
fn copies_in(out: &Output, path: &str) -> Vec<Value> {
    let keys = [
        "byte_start",
        "byte_end",
        "line_start",
        "col_start",
        "line_end",
        "col_end",
        "para_start",
        "para_end",
        "compression",
        "row",
        "record",
        "field_start",
        "field_end",
        "field_char_start",
        "field_char_end",
    ];
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "finding")
        .flat_map(|f| f["occurrences"].as_array().unwrap().clone())
        .filter(|o| o["path"] == path)
        .map(|o| keys.iter().map(|&k| (k.to_string(), o.get(k).cloned().unwrap_or(Value::Null))).collect())
        .collect()
}

#[test]
fn exact_copies_in_changed_record_and_compressed_files_keep_their_place() {
    let d = Dir::new();
    let line =
        |id: &str, text: &str| serde_json::json!({"id": id, "text": format!("Opening note.\n\n{text}")}).to_string();
    let jsonl = |lines: &[String]| fs::write(d.path().join("a.jsonl"), lines.join("\n") + "\n").unwrap();
    jsonl(&[line("r1", P1), line("r2", P2)]);
    let gz = |paragraphs: &[&str]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut e, (paragraphs.join("\n\n") + "\n").as_bytes()).unwrap();
        fs::write(d.path().join("b.txt.gz"), e.finish().unwrap()).unwrap();
    };
    gz(&[P5, P3]);
    let out = d.run(&["index", "add", "--index", "ix", "--id-field", "id", "a.jsonl", "b.txt.gz"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    d.create("batch.txt", &[P2, P3]);
    let check = || d.run(&["check", "--index", "ix", "--id-field", "id", "--format", "json", "batch.txt"]);
    // Read again, the files give their places as a scan does.
    let fresh = check();
    let (record, compressed) = (copies_in(&fresh, "a.jsonl"), copies_in(&fresh, "b.txt.gz"));
    assert_eq!(record.len(), 1, "{}", String::from_utf8_lossy(&fresh.stdout));
    assert_eq!((record[0]["record"].as_str(), record[0]["row"].as_u64()), (Some("r2"), Some(2)));
    assert_eq!(record[0]["field_start"].as_u64(), Some("Opening note.\n\n".len() as u64));
    assert_eq!(compressed.len(), 1);
    assert_eq!(compressed[0]["compression"], "gzip");
    // Changed since they were indexed: the places stored are the same.
    jsonl(&[line("r0", P7), line("r1", P1), line("r2", P2)]);
    gz(&[P4, P5, P3]);
    let stale = check();
    assert!(stderr(&stale).contains("a.jsonl: changed since it was indexed"), "{}", stderr(&stale));
    assert!(stderr(&stale).contains("b.txt.gz: changed since it was indexed"), "{}", stderr(&stale));
    assert_eq!(copies_in(&stale, "a.jsonl"), record);
    assert_eq!(copies_in(&stale, "b.txt.gz"), compressed);
}

#[test]
fn an_index_without_passage_anchors_is_smaller_and_says_what_a_check_misses() {
    let water = water();
    let hearing = hearing();
    let sizes: Vec<(u64, u64)> = [false, true]
        .into_iter()
        .map(|without| {
            let d = Dir::new();
            d.create("water.txt", &[&water]);
            d.create("hearing.txt", &[&hearing]);
            let add: &[&str] = if without { &["--no-passages"] } else { &[] };
            let out = d.run(&[&["index", "add", "--index", "ix"], add, &["water.txt"]].concat());
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let stats = d.stats();
            assert_eq!(stat(&stats, "segments without anchors"), u64::from(without));
            let out = d.run(&["check", "--index", "ix", "--format", "json", "hearing.txt"]);
            let note = stderr(&out).contains("1 of 1 segments hold no passage anchors (added with --no-passages");
            assert_eq!(note, without, "{}", stderr(&out));
            assert_eq!(findings(&out).len(), usize::from(!without), "{}", stderr(&out));
            (stat(&stats, "anchor entries"), stat(&stats, "bytes on disk"))
        })
        .collect();
    assert!(sizes[0].0 > 0 && sizes[1].0 == 0, "{sizes:?}");
    assert!(sizes[1].1 < sizes[0].1, "{sizes:?}");
}

#[test]
fn a_simhash_index_finds_what_a_simhash_scan_finds() {
    let d = Dir::new();
    let long = [P1, P2, P3, P4].join(" ");
    d.create("a.txt", &[P7, &long]);
    d.create("b.txt", &[P5, P6]);
    let out = d.run(&["index", "add", "--index", "ix", "--method", "simhash", "a.txt", "b.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A near copy of the long paragraph (one word changed) and an exact copy.
    d.create("batch.txt", &[&long.replace("Volunteers", "Students"), P6]);
    let out = d.run(&["check", "--index", "ix", "--method", "simhash", "--format", "json", "batch.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = findings(&out);
    let kinds: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(kinds, ["near", "exact"], "{found:?}");
    assert_eq!(found[0].1.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["batch.txt", "a.txt"]);
    let scan = d.run(&["scan", "--method", "simhash", "--format", "json", "batch.txt", "a.txt", "b.txt"]);
    let involving: Vec<_> = findings(&scan).into_iter().filter(|f| f.1.iter().any(|c| c.0 == "batch.txt")).collect();
    assert_eq!(involving, found);
    // The method is pinned, and so is the distance.
    let out = d.run(&["check", "--index", "ix", "batch.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(r#"built with method "simhash", this run has method "minhash""#), "{}", stderr(&out));
    let out = d.run(&["check", "--index", "ix", "--method", "simhash", "--simhash-distance", "4", "batch.txt"]);
    assert!(
        stderr(&out).contains("built with simhash-distance 8, this run has simhash-distance 4"),
        "{}",
        stderr(&out)
    );
}

/// Words of their own for paragraph `i`, `n` of them (a deterministic mix of
/// letters: no two paragraphs share more than chance shingles).
fn words_of(i: u64, n: usize) -> String {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let len = 4 + next() % 6;
            (0..len).map(|_| (b'a' + (next() % 26) as u8) as char).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_short_indexed_paragraph_of_stock_phrases_quoted_in_a_batch_paragraph_is_found() {
    // Two stock phrases, each in 70 indexed paragraphs: their anchors are
    // common. The notice is the two phrases: its only rare anchors are where
    // they meet, so a long batch paragraph that quotes it shares one rare
    // anchor with it, and only the notice's anchor counts say that it may be
    // contained. (The letter is long enough that its sketch is far from the
    // notice's: no band lookup finds it either.)
    let (s1, s2) = ("renewals are accepted at any branch office", "or by post before the last day of the month");
    let d = Dir::new();
    let stock = |from: u64, phrase: &str| -> Vec<String> {
        (from..from + 70)
            .map(|i| format!("{}. Subscribers: {phrase}. {}.", words_of(i, 14), words_of(i + 1000, 6)))
            .collect()
    };
    let (a, b) = (stock(0, s1), stock(100, s2));
    d.create("stock1.txt", &a.iter().map(String::as_str).collect::<Vec<_>>());
    d.create("stock2.txt", &b.iter().map(String::as_str).collect::<Vec<_>>());
    let notice = format!("{s1} {s2}.");
    d.create("notice.txt", &["Notices", &notice]);
    d.add(&["stock1.txt", "stock2.txt", "notice.txt"]);
    let letter = format!(
        "The society wrote to every household on the list last week, and the letter went out in two parts: the \
         first explained why the reading room would close for the summer, why the old catalogue cards were being \
         moved to the basement, and why the evening lectures would move to the school hall on the hill; the \
         second part said that {notice} The letter ended with thanks to the volunteers who had folded and \
         stamped the envelopes over three long evenings, to the printer who had given the paper for nothing, and \
         to the children of the primary school who had drawn the pictures on the back of every copy."
    );
    d.create("letter.txt", &[&letter]);
    let out = d.run(&["check", "--index", "ix", "--format", "json", "letter.txt"]);
    let found = findings(&out);
    // What a scan of the batch with the whole index finds.
    let scan = d.run(&["scan", "--format", "json", "letter.txt", "stock1.txt", "stock2.txt", "notice.txt"]);
    let involving: Vec<_> = findings(&scan).into_iter().filter(|f| f.1.iter().any(|c| c.0 == "letter.txt")).collect();
    assert_eq!(involving.len(), 1, "{involving:?}");
    assert_eq!(involving[0].0, "containment");
    assert!(involving[0].1.iter().any(|c| c.0 == "notice.txt"), "{involving:?}");
    assert_eq!(found, involving, "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));
    // Compacted, the counts are kept.
    d.add(&["letter.txt"]);
    let out = d.run(&["index", "compact", "--index", "ix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    d.create("letter2.txt", &[&letter.replace("last week", "this spring")]);
    let (again, _) = d.check(&["letter2.txt"]);
    assert!(again.iter().any(|f| f.0 == "containment" && f.1.iter().any(|c| c.0 == "notice.txt")), "{again:?}");
}
