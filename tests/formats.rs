//! The machine-readable report formats (`--format sarif|markdown|csv|github|line`),
//! each run through the real binary: snapshots of every format on the seed
//! page and on a small scan with every kind of finding
//! (`tests/fixtures/formats/`), SARIF checked against the official SARIF
//! 2.1.0 schema and for what it says, and the escaping of awkward paths and
//! snippets in every format, each read back with a parser of that format.
//!
//! Snapshots live in `tests/snapshots/`; after a deliberate change of a
//! format, `INSTA_UPDATE=always cargo test --test formats` rewrites them
//! (review the diff).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

const SEED: &str = "corpus/newspaper-page.txt";
/// Two files with an exact paragraph printed three times, a near copy, a
/// paragraph quoted inside another (containment), a sentence shared by two
/// different paragraphs (passage) and a paragraph cut by a blank line.
const KINDS: &str = "tests/fixtures/formats";
const FORMATS: [&str; 8] = ["text", "json", "html", "sarif", "markdown", "csv", "github", "line"];

/// `doublet scan -q ARGS…` run in `dir`.
fn scan_in(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("doublet")
        .unwrap()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(60))
        .args(["scan", "-q"])
        .args(args)
        .output()
        .unwrap()
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// stdout of a run that must exit with `code`.
#[track_caller]
fn stdout_of(o: &Output, code: i32) -> String {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("report is UTF-8")
}

/// The JSON report's findings of the same scan, the reference that every
/// other format is compared with.
fn json_findings(dir: &Path, args: &[&str]) -> Vec<Value> {
    let o = scan_in(dir, &[&["--format", "json"], args].concat());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "finding")
        .collect()
}

fn occurrences(f: &Value) -> &Vec<Value> {
    f["occurrences"].as_array().unwrap()
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn sarif(dir: &Path, args: &[&str], code: i32) -> Value {
    let out = stdout_of(&scan_in(dir, &[&["--format", "sarif"], args].concat()), code);
    serde_json::from_str(&out).expect("SARIF is JSON")
}

/// A temporary directory holding `files` (name, contents).
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("doublet-formats-").tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

/// The report in `format` as a snapshot (CSV with LF line ends, its CRLF
/// ends being checked apart).
fn snapshot_text(format: &str, out: String) -> String {
    match format {
        "csv" => {
            assert!(out.ends_with("\r\n") && !out.replace("\r\n", "").contains('\n'), "{out:?}");
            out.replace("\r\n", "\n")
        }
        // Timings and resident memory change from run to run; the rest of
        // the summary is part of the contract.
        "json" => out
            .lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).expect("JSON Lines");
                if v["type"] == "summary" {
                    let s = v.as_object_mut().expect("an object");
                    for key in ["timings", "memory", "elapsed"] {
                        assert!(s.remove(key).is_some(), "summary without {key}: {l}");
                    }
                }
                format!("{v}\n")
            })
            .collect(),
        _ => out,
    }
}

#[test]
fn every_format_on_the_seed_page_is_its_snapshot() {
    for format in FORMATS {
        let out = stdout_of(&scan_in(crate_root(), &["--format", format, SEED]), 1);
        insta::assert_snapshot!(format!("seed_{format}"), snapshot_text(format, out));
    }
}

#[test]
fn every_format_on_every_kind_is_its_snapshot() {
    // The fixture keeps every kind, so the snapshots show them all.
    let kinds: Vec<Value> = json_findings(crate_root(), &[KINDS]).iter().map(|f| f["kind"].clone()).collect();
    assert_eq!(kinds, ["exact", "near", "containment", "passage"]);
    for format in FORMATS {
        let out = stdout_of(&scan_in(crate_root(), &["--format", format, "--check", "breaks", KINDS]), 1);
        insta::assert_snapshot!(format!("kinds_{format}"), snapshot_text(format, out));
    }
}

#[test]
fn every_format_without_findings() {
    let dir = dir_with(&[("clean.txt", "One paragraph long enough to be matched, printed once.\n")]);
    let run = |format| stdout_of(&scan_in(dir.path(), &["--format", format, "clean.txt"]), 0);
    assert_eq!(run("line"), "");
    assert_eq!(run("github"), "");
    assert_eq!(run("csv"), "finding,kind,similarity,paragraphs,fingerprint,copy,path,byte_start,byte_end,line_start,col_start,line_end,col_end,para_start,para_end,partial,snippet,compression,row,record,field_start,field_end\r\n");
    let md = run("markdown");
    assert!(md.starts_with("## doublet: no duplicates\n\n1 file, 1 paragraph,"), "{md}");
    assert!(!md.contains('|'), "{md}");
    let log: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

// ---------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------

/// The official SARIF 2.1.0 schema as the `serde-sarif` crate ships it,
/// found through `cargo metadata` wherever cargo keeps that crate's source.
fn sarif_schema() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(crate_root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a dev-dependency");
    let path: PathBuf = Path::new(manifest).parent().unwrap().join("src/schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(schema["title"], "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema", "{path:?}");
    schema
}

/// The official schema's pattern for a `language` tag (of a run, a tool
/// component): its stray `]` is not a valid ECMA-262 regular expression, so
/// the draft-07 meta-schema rejects the whole schema. doublet writes no
/// `language`, so the pattern constrains nothing here; it is dropped from the
/// copy in memory, and the rest of the schema applies unchanged.
const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn drop_broken_pattern(v: &mut Value) -> usize {
    match v {
        Value::Object(map) => {
            let here = usize::from(map.get("pattern").is_some_and(|p| p == BROKEN_LANGUAGE_PATTERN));
            if here == 1 {
                map.remove("pattern");
            }
            here + map.values_mut().map(drop_broken_pattern).sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(drop_broken_pattern).sum(),
        _ => 0,
    }
}

/// A validator of the schema that also checks formats (`uri`,
/// `uri-reference`, `date-time`).
fn sarif_validator() -> jsonschema::Validator {
    let mut schema = sarif_schema();
    assert_eq!(drop_broken_pattern(&mut schema), 2, "the schema's language patterns changed");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Every schema violation of `log`, and that SARIF's own typed model reads it.
#[track_caller]
fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value) {
    assert!(!log.to_string().contains("\"language\""), "{log:#}");
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
    serde_json::from_value::<serde_sarif::sarif::Sarif>(log.clone()).expect("serde-sarif reads the log");
}

#[test]
fn sarif_of_several_scans_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    let odd = dir_with(&[
        ("my notes/a,b:c 100%.txt", "A paragraph long enough to be matched, printed in two files.\n"),
        ("考生/须知 [1].txt", "A paragraph long enough to be matched, printed in two files.\n"),
    ]);
    let clean = dir_with(&[("clean.txt", "One paragraph long enough to be matched, printed once.\n")]);
    let scans: [(&Path, &[&str], i32); 6] = [
        (crate_root(), &[SEED], 1),
        (crate_root(), &["--check", "breaks", KINDS], 1),
        (crate_root(), &[SEED, "no/such/file.txt"], 2),
        (clean.path(), &["clean.txt"], 0),
        (odd.path(), &["."], 1),
        (odd.path(), &[odd.path().to_str().unwrap()], 1),
    ];
    for (dir, args, code) in scans {
        assert_valid_sarif(&validator, &sarif(dir, args, code));
    }
    // The validator does check what the schema says: a URI with a raw space
    // is not a URI reference, a result needs a message.
    let mut log = sarif(odd.path(), &["."], 1);
    log["runs"][0]["artifacts"][0]["location"]["uri"] = "my notes/a.txt".into();
    assert!(!validator.is_valid(&log));
    let mut log = sarif(crate_root(), &[SEED], 1);
    log["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    assert!(!validator.is_valid(&log));
}

#[test]
fn sarif_of_the_seed_page_locates_both_copies() {
    let log = sarif(crate_root(), &[SEED], 1);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().ends_with("sarif-2.1.0.json"));
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "doublet");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run["invocations"][0].get("toolExecutionNotifications").is_none());
    let artifacts = run["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1);
    assert_eq!(artifacts[0]["location"]["uri"], SEED);
    assert_eq!(artifacts[0]["location"]["uriBaseId"], "%SRCROOT%");
    let page = std::fs::read(crate_root().join(SEED)).unwrap();
    assert_eq!(num(&artifacts[0]["length"]), page.len() as u64);

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "doublet/exact");
    assert_eq!(run["tool"]["driver"]["rules"][num(&r["ruleIndex"]) as usize]["id"], "doublet/exact");
    // Lines 79–81 and 83–85; line 81's last character is its 142nd, so the
    // exclusive end column is 143.
    let regions: Vec<(u64, u64, u64, u64, u64, u64)> = r["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let g = &l["physicalLocation"]["region"];
            let n = |k: &str| num(&g[k]);
            (n("startLine"), n("startColumn"), n("endLine"), n("endColumn"), n("byteOffset"), n("byteLength"))
        })
        .collect();
    assert_eq!(regions, [(79, 1, 81, 143, 11142, 1001), (83, 1, 85, 143, 12145, 1001)]);
    let text = std::str::from_utf8(&page).unwrap();
    assert_eq!(text.lines().nth(80).unwrap().trim_end().chars().count(), 142);
    // The byte ranges are the copies: the same bytes, each from its first
    // line's start to its last line's end.
    assert_eq!(page[11142..12143], page[12145..13146]);
    let line_start = |line: usize| text.lines().take(line - 1).map(|l| l.len() + 1).sum::<usize>();
    assert_eq!((line_start(79), line_start(83)), (11142, 12145));
    // Multi-line copies carry no region snippet: the snippet would not be
    // their text. Their location's message has it.
    assert!(r["locations"][0]["physicalLocation"]["region"].get("snippet").is_none());
    assert!(r["locations"][0]["message"]["text"].as_str().unwrap().starts_with("copy 1 of 2: 考生须凭本人准考证"));

    let related = r["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 2);
    for (i, l) in related.iter().enumerate() {
        assert_eq!(num(&l["id"]), i as u64 + 1);
        assert_eq!(l["message"]["text"], format!("copy {} of 2", i + 1));
        assert_eq!(l["physicalLocation"], r["locations"][i]["physicalLocation"]);
    }
    let message = r["message"]["text"].as_str().unwrap();
    assert!(message.contains("other copy: [corpus/newspaper-page.txt:83](2)."), "{message}");

    let json = &json_findings(crate_root(), &[SEED])[0];
    assert_eq!(r["partialFingerprints"]["doubletFinding/v1"], json["fingerprint"]);
    assert_eq!(r["partialFingerprints"]["doubletContent/v1"], occurrences(json)[0]["content"]);
}

#[test]
fn sarif_locations_agree_with_the_json_report_for_every_kind() {
    let log = sarif(crate_root(), &["--check", "breaks", KINDS], 1);
    let run = &log["runs"][0];
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["doublet/exact", "doublet/near", "doublet/containment", "doublet/passage", "doublet/break"]);
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        for key in ["name", "shortDescription", "fullDescription", "help"] {
            assert!(rule.get(key).is_some(), "{rule}");
        }
    }
    let results = run["results"].as_array().unwrap();
    let ids: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["doublet/exact", "doublet/near", "doublet/containment", "doublet/passage", "doublet/break"]);
    for r in results {
        assert_eq!(rules[num(&r["ruleIndex"]) as usize], r["ruleId"]);
    }

    let files: Vec<String> = ["a.txt", "b.txt"].iter().map(|f| format!("{KINDS}/{f}")).collect();
    let data: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(crate_root().join(f)).unwrap()).collect();
    let findings = json_findings(crate_root(), &["--check", "breaks", KINDS]);
    for (r, f) in results.iter().zip(&findings) {
        let occ = occurrences(f);
        assert_eq!(r["locations"].as_array().unwrap().len(), occ.len());
        assert_eq!(r["relatedLocations"].as_array().unwrap().len(), occ.len());
        for (l, o) in r["locations"].as_array().unwrap().iter().zip(occ) {
            let p = &l["physicalLocation"];
            assert_eq!(p["artifactLocation"]["uri"], o["path"]);
            let g = &p["region"];
            assert_eq!(g["startLine"], o["line_start"]);
            assert_eq!(g["startColumn"], o["col_start"]);
            assert_eq!(g["endLine"], o["line_end"]);
            assert_eq!(num(&g["endColumn"]), num(&o["col_end"]) + 1);
            assert_eq!(g["byteOffset"], o["byte_start"]);
            assert_eq!(num(&g["byteLength"]), num(&o["byte_end"]) - num(&o["byte_start"]));
            // A one-line copy whose snippet is whole carries its exact text.
            if let Some(snippet) = g.get("snippet") {
                let file = files.iter().position(|p| o["path"] == p.as_str()).unwrap();
                let (s, e) = (num(&o["byte_start"]) as usize, num(&o["byte_end"]) as usize);
                assert_eq!(snippet["text"].as_str().unwrap().as_bytes(), &data[file][s..e]);
            }
        }
    }
    // The exact paragraph is one line on every copy: each has its snippet.
    let exact = &results[0];
    assert!(exact["locations"].as_array().unwrap().iter().all(|l| l["physicalLocation"]["region"]["snippet"]["text"]
        == "Doors open at eight; the \"quiet | please\" rule applies in the hall."));
    let message = exact["message"]["text"].as_str().unwrap();
    assert!(message.ends_with(&format!("other copies: [{KINDS}/b.txt:5](2), [{KINDS}/b.txt:11](3).")), "{message}");
    assert_eq!(exact["relatedLocations"][2]["message"]["text"], "copy 3 of 3");
    let cut = &results[4];
    assert_eq!(cut["locations"][0]["physicalLocation"]["region"], serde_json::json!({ "startLine": 12 }));
}

#[test]
fn sarif_names_a_file_that_could_not_be_read() {
    let log = sarif(crate_root(), &[SEED, "no/such/file.txt"], 2);
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    assert!(notes[0]["message"]["text"].as_str().unwrap().starts_with("no/such/file.txt: "), "{}", notes[0]);
    assert_eq!(notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "no/such/file.txt");
    // The page was still scanned and reported.
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);
}

/// `uri` with its percent-escapes decoded.
fn percent_decode(uri: &str) -> String {
    let b = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_uris_are_percent_encoded_relative_references() {
    let para = "A paragraph long enough to be matched, printed in two files.\n";
    let names = ["my notes/a,b:c 100%.txt", "考生/须知 [1] #2?.txt"];
    let dir = dir_with(&[(names[0], para), (names[1], para)]);
    let log = sarif(dir.path(), &[names[0], names[1]], 1);
    let run = &log["runs"][0];
    let uris: Vec<&str> =
        run["artifacts"].as_array().unwrap().iter().map(|a| a["location"]["uri"].as_str().unwrap()).collect();
    assert_eq!(
        uris,
        ["my%20notes/a%2Cb%3Ac%20100%25.txt", "%E8%80%83%E7%94%9F/%E9%A1%BB%E7%9F%A5%20%5B1%5D%20%232%3F.txt"]
    );
    for (uri, name) in uris.iter().zip(names) {
        assert_eq!(percent_decode(uri), name);
        assert!(dir.path().join(percent_decode(uri)).is_file());
    }
    let r = &run["results"][0];
    for (i, l) in r["locations"].as_array().unwrap().iter().enumerate() {
        assert_eq!(l["physicalLocation"]["artifactLocation"]["uri"], uris[i]);
        assert_eq!(num(&l["physicalLocation"]["artifactLocation"]["index"]), i as u64);
    }
    // The link text names the path as given, its brackets escaped.
    let message = r["message"]["text"].as_str().unwrap();
    assert!(message.contains("[考生/须知 \\[1\\] #2?.txt:1](2)"), "{message}");
    // An absolute path is an absolute file URI, with no base.
    let abs = dir.path().join(names[0]);
    let log = sarif(dir.path(), &[abs.to_str().unwrap(), names[1]], 1);
    let location = &log["runs"][0]["artifacts"][0]["location"];
    assert_eq!(percent_decode(location["uri"].as_str().unwrap()), format!("file://{}", abs.display()));
    assert!(location.get("uriBaseId").is_none());
}

// ---------------------------------------------------------------------------
// Escaping in the other formats
// ---------------------------------------------------------------------------

/// A paragraph printed in two awkwardly named files, with Markdown, CSV and
/// quoting metacharacters in its text; the second file's name has a newline.
const AWKWARD: [&str; 2] = ["my notes, v2: 100% 考生.txt", "odd\nname|`x`.txt"];
const AWKWARD_TEXT: &str = "Tickets *cost* 5 | 10 \"euros\", see [list](x) `ask` <b>@staff</b> #12.";

fn awkward_dir() -> tempfile::TempDir {
    dir_with(&[(AWKWARD[0], &format!("{AWKWARD_TEXT}\n")), (AWKWARD[1], &format!("Heading\n\n{AWKWARD_TEXT}\n"))])
}

fn awkward(format: &str) -> String {
    let dir = awkward_dir();
    stdout_of(&scan_in(dir.path(), &["--format", format, AWKWARD[0], AWKWARD[1]]), 1)
}

#[test]
fn csv_quotes_commas_quotes_and_newlines_and_reads_back() {
    let out = awkward("csv");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, doublet::report::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{out}");
    let dir = awkward_dir();
    let json = &json_findings(dir.path(), AWKWARD.as_slice())[0];
    for (i, (row, o)) in rows.iter().zip(occurrences(json)).enumerate() {
        let field = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        assert_eq!(field("finding"), "1");
        assert_eq!(field("kind"), "exact");
        assert_eq!(field("fingerprint"), json["fingerprint"]);
        assert_eq!(field("copy"), (i + 1).to_string());
        assert_eq!(field("path"), AWKWARD[i]);
        assert_eq!(field("snippet"), AWKWARD_TEXT);
        assert_eq!(field("partial"), "false");
        for key in
            ["byte_start", "byte_end", "line_start", "col_start", "line_end", "col_end", "para_start", "para_end"]
        {
            assert_eq!(field(key), o[key].to_string(), "{key}");
        }
    }
    // Quoted where RFC 4180 asks, quotes doubled.
    assert!(out.contains("\"my notes, v2: 100% 考生.txt\""), "{out}");
    assert!(out.contains("\"odd\nname|`x`.txt\""), "{out}");
    assert!(out.contains("\"Tickets *cost* 5 | 10 \"\"euros\"\", see"), "{out}");
}

/// The `::warning` commands of `out`, properties unescaped.
fn annotations(out: &str) -> Vec<(Vec<(String, String)>, String)> {
    let unescape = |s: &str| {
        s.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    };
    out.lines()
        .map(|l| {
            let rest = l.strip_prefix("::warning ").unwrap_or_else(|| panic!("{l}"));
            let (props, message) = rest.split_once("::").unwrap();
            let props = props
                .split(',')
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (k.to_string(), unescape(v))
                })
                .collect();
            (props, unescape(message))
        })
        .collect()
}

#[test]
fn github_commands_escape_properties_and_data() {
    let out = awkward("github");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("file=my notes%2C v2%3A 100%25 考生.txt,"), "{out}");
    assert!(out.contains("file=odd%0Aname|`x`.txt,"), "{out}");
    let found = annotations(&out);
    let get = |props: &[(String, String)], key: &str| props.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    for (i, (props, message)) in found.iter().enumerate() {
        assert_eq!(get(props, "file").as_deref(), Some(AWKWARD[i]));
        assert_eq!(get(props, "title"), Some(format!("doublet exact finding 1 (copy {} of 2)", i + 1)));
        let other = format!("{}:{}", AWKWARD[1 - i], [3, 1][i]);
        assert!(message.ends_with(&format!("other copies at {other}")), "{message}");
    }
    // One-line copies: columns; the first copy is line 1, the second line 3.
    let cols = AWKWARD_TEXT.chars().count().to_string();
    assert_eq!(get(&found[0].0, "line").as_deref(), Some("1"));
    assert_eq!(get(&found[1].0, "line").as_deref(), Some("3"));
    assert_eq!(get(&found[0].0, "col").as_deref(), Some("1"));
    assert_eq!(get(&found[0].0, "endColumn"), Some(cols));
}

#[test]
fn github_gives_columns_only_on_one_line_and_errors_for_unreadable_files() {
    let out = stdout_of(&scan_in(crate_root(), &["--format", "github", SEED, "no/such/file.txt"]), 2);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("::warning file=corpus/newspaper-page.txt,line=79,endLine=81,title="), "{out}");
    assert!(!lines[0].contains("col="), "{out}");
    assert!(lines[2].starts_with("::error file=no/such/file.txt::no/such/file.txt: "), "{out}");
}

#[test]
fn line_format_keeps_one_line_per_copy() {
    let out = awkward("line");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "my notes, v2: 100% 考生.txt:1:1: exact finding 1 (copy 1 of 2, similarity 1.000): other copies at odd\\nname|`x`.txt:3",
            "odd\\nname|`x`.txt:3:1: exact finding 1 (copy 2 of 2, similarity 1.000): other copies at my notes, v2: 100% 考生.txt:1",
        ]
    );
}

#[test]
fn line_format_points_at_every_occurrence_of_every_kind() {
    let out = stdout_of(&scan_in(crate_root(), &["--format", "line", KINDS]), 1);
    let findings = json_findings(crate_root(), &[KINDS]);
    let want: Vec<String> = findings
        .iter()
        .flat_map(|f| {
            occurrences(f).iter().map(|o| {
                format!(
                    "{}:{}:{}: {} finding {}",
                    o["path"].as_str().unwrap(),
                    o["line_start"],
                    o["col_start"],
                    f["kind"].as_str().unwrap(),
                    f["id"]
                )
            })
        })
        .collect();
    let got: Vec<String> = out.lines().map(|l| l.split(" (copy").next().unwrap().to_string()).collect();
    assert_eq!(got, want);
}

#[test]
fn markdown_snippets_and_paths_are_inert_code() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let out = awkward("markdown");
    let events: Vec<Event> = Parser::new_ext(&out, Options::ENABLE_TABLES).collect();
    // Nothing from the paths or the snippet became markup.
    for e in &events {
        match e {
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Link { .. } | Tag::Image { .. })
            | Event::Html(_)
            | Event::InlineHtml(_) => panic!("{e:?} in\n{out}"),
            _ => {}
        }
    }
    let code: Vec<String> =
        events.iter().filter_map(|e| if let Event::Code(c) = e { Some(c.to_string()) } else { None }).collect();
    let first = format!("{}:1", AWKWARD[0]);
    let second = format!("{}:3", AWKWARD[1].replace('\n', "\\n"));
    assert_eq!(code, [first.clone(), first, AWKWARD_TEXT.to_string(), second, AWKWARD_TEXT.to_string()]);
    // The table has its five columns in every row, `|` in the path and all.
    let mut cells = 0;
    let mut rows = Vec::new();
    for e in &events {
        match e {
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => rows.push(std::mem::take(&mut cells)),
            _ => {}
        }
    }
    assert_eq!(rows, [5, 5], "{out}");
}

#[test]
fn markdown_table_escapes_a_pipe_in_the_first_location() {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let dir = dir_with(&[
        ("a|b.txt", "A paragraph long enough to be matched, printed in two files.\n"),
        ("c.txt", "A paragraph long enough to be matched, printed in two files.\n"),
    ]);
    let out = stdout_of(&scan_in(dir.path(), &["--format", "markdown", "a|b.txt", "c.txt"]), 1);
    assert!(out.contains("| `a\\|b.txt:1` |"), "{out}");
    let mut in_cell = false;
    let mut cell_code = Vec::new();
    for e in Parser::new_ext(&out, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::TableCell) => in_cell = true,
            Event::End(_) => in_cell = false,
            Event::Code(c) if in_cell => cell_code.push(c.to_string()),
            _ => {}
        }
    }
    assert_eq!(cell_code, ["a|b.txt:1"], "{out}");
}
