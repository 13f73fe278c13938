//! End-to-end tests of archive inputs: gzip and zstd files, JSON Lines and
//! Parquet. Every test runs the built binary in a fresh temporary directory
//! and checks each reported location against the bytes it names: the
//! decompressed text, the raw JSON line, or the Parquet row's text.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use assert_cmd::Command;
use serde_json::Value;

/// A temporary directory to write inputs into and scan in.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        Self { tmp: tempfile::Builder::new().prefix("doublet-archive-").tempdir().unwrap() }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    }

    /// `doublet scan ARGS…` in the directory.
    fn run(&self, args: &[&str]) -> Output {
        Command::cargo_bin("doublet")
            .unwrap()
            .current_dir(self.path())
            .arg("scan")
            .arg("--no-config")
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap()
    }

    /// `doublet scan --format json ARGS…`: exit status, stderr, records.
    fn json(&self, args: &[&str]) -> Run {
        let o = self.run(&[&["--format", "json"], args].concat());
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        Run {
            code: o.status.code().unwrap_or(-1),
            stderr,
            records: stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect(),
        }
    }
}

struct Run {
    code: i32,
    stderr: String,
    records: Vec<Value>,
}

impl Run {
    fn findings(&self) -> Vec<&Value> {
        self.records.iter().filter(|r| r["type"] == "finding").collect()
    }

    fn summary(&self) -> &Value {
        self.records.iter().find(|r| r["type"] == "summary").unwrap()
    }

    fn occurrences(&self) -> Vec<&Value> {
        self.findings().into_iter().flat_map(|f| f["occurrences"].as_array().unwrap()).collect()
    }
}

fn num(v: &Value) -> usize {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}")) as usize
}

/// The fields that say where an occurrence is in the text.
fn place(o: &Value) -> [usize; 6] {
    ["byte_start", "byte_end", "line_start", "col_start", "line_end", "col_end"].map(|k| num(&o[k]))
}

/// Line and column (1-based, characters) of byte `at` in `text`.
fn line_col(text: &[u8], at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, String::from_utf8_lossy(&before[start..]).chars().count() + 1)
}

/// Start of the last character of `text[start..end]`.
fn last_char(text: &[u8], end: usize) -> usize {
    let mut i = end - 1;
    while (text[i] as i8) < -0x40 {
        i -= 1;
    }
    i
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn page() -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/newspaper-page.txt")).unwrap()
}

#[test]
fn gzip_and_zstd_files_are_found_at_the_lines_of_the_plain_file() {
    let dir = Dir::new();
    let text = page();
    dir.write("page.txt", &text);
    // Two gzip members, cut inside the repeated notice.
    let mut two = gzip(&text[..text.len() / 2]);
    two.extend(gzip(&text[text.len() / 2..]));
    dir.write("page.txt.gz", two);
    dir.write("page.txt.zst", zstd::encode_all(&text[..], 3).unwrap());
    let plain = dir.json(&["page.txt"]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    let want: Vec<[usize; 6]> = plain.occurrences().iter().map(|o| place(o)).collect();
    assert_eq!((want[0][2], want[0][4], want[1][2], want[1][4]), (79, 81, 83, 85));
    assert!(plain.occurrences()[0].get("compression").is_none());
    for (name, compression) in [("page.txt.gz", "gzip"), ("page.txt.zst", "zstd")] {
        let run = dir.json(&[name]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let got: Vec<[usize; 6]> = run.occurrences().iter().map(|o| place(o)).collect();
        assert_eq!(got, want, "{name}");
        for o in run.occurrences() {
            assert_eq!(o["compression"], compression, "{name}");
            assert_eq!(o["path"], name);
        }
        assert_eq!(num(&run.summary()["bytes"]), text.len(), "{name}: bytes are those decompressed");
        let lines = String::from_utf8(dir.run(&["--format", "line", name]).stdout).unwrap();
        assert!(lines.starts_with(&format!("{name}:79:1: exact finding 1")), "{lines}");
    }
}

#[test]
fn compressed_files_are_read_by_their_inner_name() {
    let dir = Dir::new();
    let notice = "Candidates must bring their admission ticket and identity card to every exam.";
    // Inside a Markdown code block the repeat takes no part; as plain text it does.
    let doc = format!("# Notice\n\n{notice}\n\n```\n{notice}\n```\n");
    dir.write("a.md.gz", gzip(doc.as_bytes()));
    dir.write("a.txt.gz", gzip(doc.as_bytes()));
    assert_eq!(dir.json(&["a.md.gz"]).findings().len(), 0);
    assert_eq!(dir.json(&["a.txt.gz"]).findings().len(), 1);
}

#[test]
fn corrupt_and_truncated_compressed_files_are_named_and_the_rest_is_scanned() {
    let dir = Dir::new();
    let text = page();
    dir.write("good.txt", &text);
    let gz = gzip(&text);
    dir.write("cut.txt.gz", &gz[..gz.len() / 2]);
    let zst = zstd::encode_all(&text[..], 3).unwrap();
    dir.write("cut.txt.zst", &zst[..zst.len() - 10]);
    dir.write("garbage.txt.gz", b"this is not gzip at all, only text");
    let run = dir.json(&["."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for name in ["cut.txt.gz", "cut.txt.zst", "garbage.txt.gz"] {
        let line = run.stderr.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}: {}", run.stderr));
        assert!(line.contains("cannot decompress"), "{line}");
    }
    assert!(run.stderr.contains("cut.txt.gz: cannot decompress (gzip): the stream is truncated"), "{}", run.stderr);
    let paths: Vec<&str> = run.occurrences().iter().map(|o| o["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["./good.txt", "./good.txt"]);
    assert_eq!(num(&run.summary()["errors"]), 3);
}

/// A JSON string literal of `text` with every non-ASCII character escaped,
/// as `ensure_ascii` writers (Python's json) do.
fn ascii_literal(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap()
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units).iter().map(|u| format!("\\u{u:04x}")).collect()
            }
        })
        .collect()
}

/// A paragraph that two records of the tests hold.
const TWICE: &str = "A paragraph long enough to be matched, printed in two records.";

const CJK: &str =
    "考生须凭本人准考证、有效身份证件按时进入考场,“迟到”十五分钟不得入场,考试结束前三十分钟不得交卷离场。";
const NOTICE: &str = "Candidates must say \"present\" when called — café rules 😀 apply to everyone.";

#[test]
fn jsonl_records_with_escapes_and_cjk_point_at_their_raw_bytes() {
    let dir = Dir::new();
    // The same two paragraphs: in record a escaped to ASCII, after a lead
    // paragraph; in record b as raw UTF-8, alone; record c is unrelated.
    let a = format!("Lead paragraph of the first record, long enough.\n\n{CJK}\n\n{NOTICE}");
    let b = format!("{CJK}\n\n{NOTICE}");
    let c = "Something else entirely, with no copy anywhere in the archive.";
    let lines = [
        format!("{{\"id\": \"a\", \"text\": {}}}", ascii_literal(&a)),
        String::new(),
        format!("{{\"text\": {}, \"id\": 7}}", serde_json::to_string(&b).unwrap()),
        format!("{{\"id\":\"c\",\"text\":{}}}", serde_json::to_string(c).unwrap()),
    ];
    let raw = lines.join("\n") + "\n";
    dir.write("d.jsonl", &raw);
    let run = dir.json(&["--id-field", "id", "d.jsonl"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{:?}", run.records);
    let f = findings[0];
    assert_eq!((f["kind"].as_str(), num(&f["paragraphs"])), (Some("exact"), 2));
    let occ = f["occurrences"].as_array().unwrap();
    let ids: Vec<&str> = occ.iter().map(|o| o["record"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["a", "7"]);
    let rows: Vec<usize> = occ.iter().map(|o| num(&o["row"])).collect();
    assert_eq!(rows, vec![1, 3]);
    let want = format!("{CJK}\n\n{NOTICE}");
    for (o, text) in occ.iter().zip([&a, &b]) {
        // The field range is in the decoded text, in bytes and characters.
        let (fs, fe) = (num(&o["field_start"]), num(&o["field_end"]));
        assert_eq!(&text[fs..fe], want);
        assert_eq!(num(&o["field_char_start"]), text[..fs].chars().count());
        assert_eq!(num(&o["field_char_end"]), text[..fe].chars().count());
        // The byte range is the raw JSON that spells it.
        let (bs, be) = (num(&o["byte_start"]), num(&o["byte_end"]));
        let decoded: String = serde_json::from_str(&format!("\"{}\"", &raw[bs..be])).unwrap();
        assert_eq!(decoded, want);
        // Lines and columns of the raw file, the end at the last character
        // (the start of its escape).
        assert_eq!((num(&o["line_start"]), num(&o["col_start"])), line_col(raw.as_bytes(), bs));
        let last = if raw[..be].ends_with("\\ud83d\\ude00") { be - 12 } else { last_char(raw.as_bytes(), be) };
        assert_eq!((num(&o["line_end"]), num(&o["col_end"])), line_col(raw.as_bytes(), last));
    }
    // Record a's paragraphs are escaped: its raw range is longer than the text.
    assert!(num(&occ[0]["byte_end"]) - num(&occ[0]["byte_start"]) > want.len());
    assert_eq!(num(&occ[1]["byte_end"]) - num(&occ[1]["byte_start"]), want.len() + 4);
    let text = String::from_utf8(dir.run(&["--id-field", "id", "d.jsonl"]).stdout).unwrap();
    assert!(text.contains("d.jsonl:1:") && text.contains("(row 1, record a)"), "{text}");
    assert!(text.contains("(row 3, record 7)  考生须凭"), "{text}");
}

#[test]
fn bad_records_are_named_counted_and_skipped() {
    let dir = Dir::new();
    let para = TWICE;
    let lines = [
        format!("{{\"text\": \"{para}\"}}"),
        "{\"text\": \"unterminated}".to_string(),
        "{\"body\": \"no text field here\"}".to_string(),
        "{\"text\": 42}".to_string(),
        "[\"an array\"]".to_string(),
        format!("{{\"text\": \"{para}\"}}"),
    ];
    dir.write("d.jsonl", lines.join("\n"));
    let run = dir.json(&["d.jsonl"]);
    assert_eq!(run.code, 2, "bad records are errors: {}", run.stderr);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("doublet: d.jsonl:")).collect();
    assert_eq!(errors.len(), 4, "{}", run.stderr);
    assert!(errors[0].starts_with("doublet: d.jsonl:2: invalid JSON at column "), "{}", errors[0]);
    assert_eq!(errors[1], "doublet: d.jsonl:3: no field \"text\"");
    assert_eq!(errors[2], "doublet: d.jsonl:4: field \"text\" is a number, not a string");
    assert_eq!(errors[3], "doublet: d.jsonl:5: a record must be a JSON object, not an array");
    assert_eq!(num(&run.summary()["bad_records"]), 4);
    assert!(run.stderr.contains("(4 bad records skipped)"), "{}", run.stderr);
    // The records after the bad ones are scanned.
    let rows: Vec<usize> = run.occurrences().iter().map(|o| num(&o["row"])).collect();
    assert_eq!(rows, vec![1, 6]);
    // The id field is required in every record once named.
    let run = dir.json(&["--id-field", "id", "d.jsonl"]);
    assert!(run.stderr.contains("d.jsonl:1: no field \"id\" (--id-field)"), "{}", run.stderr);
    assert_eq!(num(&run.summary()["bad_records"]), 6);
}

#[test]
fn a_block_never_runs_from_one_record_into_the_next() {
    let dir = Dir::new();
    let p1 = "The council met on Tuesday to discuss the harbour works and the budget.";
    let p2 = "Residents of the old quarter asked for the market to stay where it is.";
    // p1 ends record 1 and p2 starts record 2; record 3 has both together.
    let lines = [
        serde_json::json!({"id": "x", "text": format!("An opening paragraph that is only here.\n\n{p1}")}),
        serde_json::json!({"id": "y", "text": format!("{p2}\n\nA closing paragraph, found nowhere else.")}),
        serde_json::json!({"id": "z", "text": format!("{p1}\n\n{p2}")}),
    ];
    let raw: String = lines.iter().map(|l| format!("{l}\n")).collect();
    dir.write("d.ndjson", raw);
    let run = dir.json(&["--id-field", "id", "d.ndjson"]);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{:?}", run.records);
    for f in findings {
        assert_eq!(num(&f["paragraphs"]), 1, "{f}");
        let ids: Vec<&str> =
            f["occurrences"].as_array().unwrap().iter().map(|o| o["record"].as_str().unwrap()).collect();
        assert!(ids == ["x", "z"] || ids == ["y", "z"], "{ids:?}");
    }
}

#[test]
fn json_files_named_with_a_text_field_are_json_lines() {
    let dir = Dir::new();
    let para = TWICE;
    // A blank line between the records makes each a paragraph of plain text too.
    let raw = format!("{{\"body\": \"{para}\"}}\n\n{{\"body\": \"{para}\"}}\n");
    dir.write("d.json", &raw);
    let run = dir.json(&["--text-field", "body", "d.json"]);
    assert_eq!(run.occurrences().iter().map(|o| num(&o["row"])).collect::<Vec<_>>(), vec![1, 3]);
    // Without --text-field, or met in a walk, a .json file is plain text.
    for args in [&["d.json"][..], &["--text-field", "body", "."]] {
        let occ = dir
            .json(args)
            .occurrences()
            .iter()
            .map(|o| (o.get("row").is_some(), num(&o["col_start"])))
            .collect::<Vec<_>>();
        assert_eq!(occ, vec![(false, 1), (false, 1)], "{args:?}");
    }
}

#[test]
fn compressed_json_lines_say_both() {
    let dir = Dir::new();
    let para = TWICE;
    let raw = format!("{{\"text\": \"{para}\"}}\n{{\"text\": \"x\\n\\n{para}\"}}\n");
    dir.write("d.jsonl.zst", zstd::encode_all(raw.as_bytes(), 3).unwrap());
    let run = dir.json(&["d.jsonl.zst"]);
    let occ = run.occurrences();
    assert_eq!(occ.len(), 2, "{}", run.stderr);
    for o in &occ {
        assert_eq!(o["compression"], "zstd");
        assert_eq!(&raw[num(&o["byte_start"])..num(&o["byte_end"])], para);
    }
    assert_eq!((num(&occ[1]["row"]), num(&occ[1]["field_start"])), (2, 3));
}

/// Writes a Parquet file with an `id` (INT64) and a `body` (optional
/// string) column, Snappy-compressed, in two row groups.
fn write_parquet(path: &Path, rows: &[(i64, Option<&str>)]) {
    use parquet::basic::Compression;
    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let schema =
        Arc::new(parse_message_type("message doc { REQUIRED INT64 id; OPTIONAL BYTE_ARRAY body (UTF8); }").unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut writer = SerializedFileWriter::new(fs::File::create(path).unwrap(), schema, props).unwrap();
    for group in rows.chunks(2) {
        let mut rg = writer.next_row_group().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        let ids: Vec<i64> = group.iter().map(|r| r.0).collect();
        col.typed::<Int64Type>().write_batch(&ids, None, None).unwrap();
        col.close().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        let values: Vec<ByteArray> = group.iter().filter_map(|r| r.1).map(ByteArray::from).collect();
        let defs: Vec<i16> = group.iter().map(|r| i16::from(r.1.is_some())).collect();
        col.typed::<ByteArrayType>().write_batch(&values, Some(&defs), None).unwrap();
        col.close().unwrap();
        rg.close().unwrap();
    }
    writer.close().unwrap();
}

#[test]
fn parquet_rows_are_located_in_their_text() {
    let dir = Dir::new();
    let para = "考生须凭本人准考证、有效身份证件按时进入考场,迟到十五分钟不得入场。";
    let first = format!("A first paragraph of row two.\nIt has two lines.\n\n{para}");
    let rows = [
        (100, Some("An unrelated row, long enough to be matched on its own.")),
        (200, Some(first.as_str())),
        (300, None),
        (400, Some(para)),
        (500, Some("One more unrelated row that is matched against nothing.")),
    ];
    write_parquet(&dir.path().join("t.parquet"), &rows);
    let run = dir.json(&["--text-field", "body", "--id-field", "id", "t.parquet"]);
    assert_eq!(run.code, 2, "the null row is a bad record: {}", run.stderr);
    assert!(run.stderr.contains("t.parquet: row 3: column \"body\" is null"), "{}", run.stderr);
    assert_eq!(num(&run.summary()["bad_records"]), 1);
    let occ = run.occurrences();
    assert_eq!(occ.len(), 2, "{:?}", run.records);
    let got: Vec<(usize, &str)> = occ.iter().map(|o| (num(&o["row"]), o["record"].as_str().unwrap())).collect();
    assert_eq!(got, vec![(2, "200"), (4, "400")]);
    for (o, text) in occ.iter().zip([first.as_str(), para]) {
        // Byte range, lines and columns are those in the row's text.
        let (s, e) = (num(&o["byte_start"]), num(&o["byte_end"]));
        assert_eq!((num(&o["field_start"]), num(&o["field_end"])), (s, e));
        assert_eq!(&text[s..e], para);
        assert_eq!((num(&o["line_start"]), num(&o["col_start"])), line_col(text.as_bytes(), s));
        assert_eq!((num(&o["line_end"]), num(&o["col_end"])), line_col(text.as_bytes(), last_char(text.as_bytes(), e)));
    }
    assert_eq!(num(&occ[0]["line_start"]), 4);
    // No such column: an error naming the file and the columns there are.
    let run = dir.json(&["t.parquet"]);
    assert!(
        run.stderr.contains("t.parquet: Parquet: no column \"text\" (--text-field); the columns are id, body"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_report_format_names_the_record() {
    let dir = Dir::new();
    let para = "Caf\\u00e9 owners met the mayor — a paragraph long enough to match.";
    let raw = format!("{{\"id\":\"r1\",\"text\":\"{para}\"}}\n{{\"id\":\"r2\",\"text\":\"{para}\"}}\n");
    dir.write("d.jsonl", &raw);
    for format in ["text", "json", "html", "sarif", "markdown", "csv", "github", "line"] {
        let o = dir.run(&["--format", format, "--id-field", "id", "d.jsonl"]);
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.contains("r2"), "{format}: {out}");
    }
    let decoded = para.replace("\\u00e9", "é");
    // The HTML page shows the decoded text, not the JSON escapes.
    let html = String::from_utf8(dir.run(&["--format", "html", "d.jsonl"]).stdout).unwrap();
    assert!(html.contains(&decoded[..20]) && !html.contains("Caf\\u00e9"), "{html}");
    let csv = String::from_utf8(dir.run(&["--format", "csv", "--id-field", "id", "d.jsonl"]).stdout).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",compression,row,record,field_start,field_end"), "{header}");
    assert!(csv.lines().nth(2).unwrap().ends_with(&format!(",,2,r2,0,{}", decoded.len())), "{csv}");
    let sarif: Value =
        serde_json::from_slice(&dir.run(&["--format", "sarif", "--id-field", "id", "d.jsonl"]).stdout).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["properties"]["record"], "r1");
    assert_eq!(location["region"]["byteOffset"], raw.find("Caf").unwrap());
}
