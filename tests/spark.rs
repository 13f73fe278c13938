//! Scale-out on Spark through the real binary: the tables `doublet sketch`
//! writes (schema, settings in the Parquet metadata, part files), the
//! reports of `doublet blocks` against `doublet scan`'s on a corpus with
//! exact, near, OCR-noise, cut and multi-paragraph copies and one bucket
//! larger than lsh.rs's all-pairs limit, and the errors of `blocks` on bad
//! input.
//!
//! The equality test runs `spark/doublet_groups.py` in local mode
//! (`local[2]`) with the Python found in `DOUBLET_SPARK_PYTHON`,
//! `/opt/doublet-spark/bin/python` or `python3`, whichever imports pyspark,
//! and `java` on PATH; without them it fails when `CI` is set and is skipped
//! with a message otherwise. The other tests stand in for the job with a
//! few lines of Rust that make the same pairs from the tables.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use arrow_array::{Array, BooleanArray, Int32Array, Int64Array, ListArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use assert_cmd::Command;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(120);

fn doublet(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("doublet").unwrap().current_dir(dir).args(args).timeout(TIMEOUT).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// ---------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------

/// A deterministic generator of words and ideographs.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn word(&mut self) -> String {
        let n = 3 + self.next() % 7;
        (0..n).map(|_| (b'a' + (self.next() % 26) as u8) as char).collect()
    }
    fn english(&mut self, words: usize) -> String {
        let body: Vec<String> = (0..words).map(|_| self.word()).collect();
        format!("{}.", body.join(" "))
    }
    fn chinese(&mut self, chars: usize) -> String {
        let body: String = (0..chars).map(|_| char::from_u32(0x4E00 + (self.next() % 3000) as u32).unwrap()).collect();
        format!("{body}。")
    }
}

/// Every 14th letter misread as a look-alike: Jaccard about 0.47, below the
/// threshold, with the scattered one-letter differences of OCR output.
fn ocr_noise(text: &str) -> String {
    let look_alike = |c: char| match c {
        'e' => 'c',
        'i' => 'l',
        'n' => 'r',
        'a' => 'o',
        'u' => 'v',
        'm' => 'n',
        'c' => 'e',
        _ => 'x',
    };
    let mut letters = 0;
    text.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                letters += 1;
                if letters % 14 == 0 {
                    return look_alike(c);
                }
            }
            c
        })
        .collect()
}

/// Some words of `text` replaced: a near copy above the threshold.
fn reworded(text: &str, g: &mut Gen) -> String {
    let words: Vec<String> =
        text.split(' ').enumerate().map(|(i, w)| if i % 20 == 7 { g.word() } else { w.to_string() }).collect();
    words.join(" ")
}

/// Files with planted copies of every kind; returns the directory.
fn corpus(root: &Path) -> PathBuf {
    let dir = root.join("docs");
    fs::create_dir_all(&dir).unwrap();
    let mut g = Gen(42);
    let originals: Vec<String> = (0..40).map(|i| if i % 4 == 3 { g.chinese(120) } else { g.english(60) }).collect();
    let filler = |g: &mut Gen, n: usize| (0..n).map(|_| g.english(50)).collect::<Vec<_>>();
    let cut = |p: &str| {
        // Cut mid-sentence, as a page break does: the first part ends
        // without a full stop, the second goes on in lower case.
        let words: Vec<&str> = p.split(' ').collect();
        format!("{}\n\n{}", words[..30].join(" "), words[30..].join(" "))
    };
    let mut files: Vec<Vec<String>> = vec![Vec::new(); 5];
    files[0] = originals[..20].to_vec();
    files[1] = originals[20..].to_vec();
    let mut f2 = filler(&mut g, 3);
    f2.push(originals[0].clone()); // exact copy, another file
    f2.extend(filler(&mut g, 2));
    f2.extend(originals[4..7].iter().cloned()); // exact block of 3 (one Chinese)
    f2.extend(filler(&mut g, 2));
    f2.push(reworded(&originals[9], &mut g)); // near copy
    f2.extend(filler(&mut g, 1));
    f2.push(ocr_noise(&originals[12])); // OCR-noise copy, below the threshold
    f2.push(ocr_noise(&originals[13]));
    f2.extend(filler(&mut g, 2));
    f2.push(cut(&originals[16])); // cut paragraph
    f2.extend(filler(&mut g, 1));
    files[2] = f2;
    let mut f3 = filler(&mut g, 2);
    f3.push(reworded(&originals[21], &mut g)); // near block of 2
    f3.push(reworded(&originals[22], &mut g));
    f3.extend(filler(&mut g, 2));
    let quoted = format!("{} {} {}", g.english(40), originals[25].trim_end_matches('.'), g.english(40));
    f3.push(quoted); // containment
    f3.push(originals[27].clone()); // Chinese exact copy
    files[3] = f3;
    // One bucket far larger than the 64 all-pairs limit: a footer printed
    // with 90 different page numbers.
    let footer = "printed and distributed by the municipal archive office of the city, every right reserved";
    files[4] = (0..90).map(|i| format!("Page {} of the annual report, {footer}.", 1000 + i * 37)).collect();
    for (i, paragraphs) in files.iter().enumerate() {
        fs::write(dir.join(format!("f{i}.txt")), paragraphs.join("\n\n") + "\n").unwrap();
    }
    dir
}

// ---------------------------------------------------------------------------
// Reading the tables
// ---------------------------------------------------------------------------

fn parts(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    out.sort();
    out
}

fn batches(dir: &Path) -> Vec<RecordBatch> {
    parts(dir)
        .iter()
        .flat_map(|p| {
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(p).unwrap()).unwrap().build().unwrap();
            reader.map(|b| b.unwrap()).collect::<Vec<_>>()
        })
        .collect()
}

fn i64s(b: &RecordBatch, name: &str) -> Vec<i64> {
    b.column_by_name(name).unwrap().as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec()
}

fn i32s(b: &RecordBatch, name: &str) -> Vec<i32> {
    b.column_by_name(name).unwrap().as_any().downcast_ref::<Int32Array>().unwrap().values().to_vec()
}

/// What the job computes, from the tables. MinHash: bucket members in
/// ascending exact group, each with the next 64, kept when enough sketch
/// slots are equal. SimHash: every pair of a bucket, kept when the
/// fingerprints are within the distance.
fn pairs_from_tables(sketch: &Path) -> Vec<(i64, i64)> {
    let settings: Value = serde_json::from_str(&fs::read_to_string(sketch.join("settings.json")).unwrap()).unwrap();
    let window = settings["bucket_all_pairs"].as_u64().unwrap() as usize;
    let min_equal = settings["min_equal_slots"].as_u64().unwrap() as usize;
    let distance = settings["simhash_distance"].as_u64();
    let mut sketches: HashMap<i64, Vec<i32>> = HashMap::new();
    let mut fingerprints: HashMap<i64, i64> = HashMap::new();
    for b in batches(&sketch.join("paragraphs")) {
        let reps = b.column_by_name("representative").unwrap().as_any().downcast_ref::<BooleanArray>().unwrap();
        let list = b.column_by_name("sketch").unwrap().as_any().downcast_ref::<ListArray>().unwrap();
        let fps = b.column_by_name("fingerprint").unwrap().as_any().downcast_ref::<Int64Array>().unwrap();
        for (i, g) in i64s(&b, "exact_group").into_iter().enumerate() {
            if reps.value(i) && distance.is_some() {
                fingerprints.insert(g, fps.value(i));
            } else if reps.value(i) {
                let s = list.value(i);
                sketches.insert(g, s.as_any().downcast_ref::<Int32Array>().unwrap().values().to_vec());
            }
        }
    }
    let mut buckets: BTreeMap<(i32, i64), Vec<i64>> = BTreeMap::new();
    for b in batches(&sketch.join("bands")) {
        for ((band, hash), g) in i32s(&b, "band").into_iter().zip(i64s(&b, "band_hash")).zip(i64s(&b, "exact_group")) {
            buckets.entry((band, hash)).or_default().push(g);
        }
    }
    let mut pairs = Vec::new();
    for members in buckets.values_mut() {
        members.sort_unstable();
        for (x, &a) in members.iter().enumerate() {
            let next = members.iter().skip(x + 1);
            match distance {
                Some(d) => pairs.extend(
                    next.filter(|&&b| u64::from((fingerprints[&a] ^ fingerprints[&b]).count_ones()) <= d)
                        .map(|&b| (a, b)),
                ),
                None => pairs.extend(
                    next.take(window)
                        .filter(|&&b| {
                            sketches[&a].iter().zip(&sketches[&b]).filter(|(p, q)| p == q).count() >= min_equal
                        })
                        .map(|&b| (a, b)),
                ),
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Writes what the job writes for `blocks`: edges and settings, each with
/// its _SUCCESS marker.
fn write_output(sketch: &Path, out: &Path, pairs: &[(i64, i64)]) {
    fs::create_dir_all(out.join("edges")).unwrap();
    fs::create_dir_all(out.join("settings")).unwrap();
    let schema =
        Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, false), Field::new("b", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(pairs.iter().map(|p| p.0))),
            Arc::new(Int64Array::from_iter_values(pairs.iter().map(|p| p.1))),
        ],
    )
    .unwrap();
    let mut w =
        ArrowWriter::try_new(File::create(out.join("edges/part-00000.parquet")).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    fs::copy(sketch.join("settings.json"), out.join("settings/part-00000.txt")).unwrap();
    for d in ["edges", "settings"] {
        File::create(out.join(d).join("_SUCCESS")).unwrap();
    }
}

/// JSON Lines report without what differs from run to run.
fn comparable(report: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(report)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(o) = v.as_object_mut() {
                for key in ["timings", "memory", "elapsed"] {
                    o.remove(key);
                }
                if let Some(s) = o.get_mut("summary").and_then(Value::as_object_mut) {
                    for key in ["timings", "memory", "elapsed"] {
                        s.remove(key);
                    }
                }
            }
            v
        })
        .collect()
}

/// Every report format of `blocks --groups out` equals `scan`'s, both run
/// with the options `with`; returns the scan's JSON report.
fn assert_blocks_equal_scan(root: &Path, out: &Path, with: &[&str]) -> Vec<Value> {
    let out = out.to_str().unwrap();
    let run = |args: &[&str]| doublet(root, &[args, with, &["docs"]].concat());
    let scan = run(&["scan", "--format", "json"]);
    let blocks = run(&["blocks", "--groups", out, "--format", "json"]);
    assert_eq!(blocks.status.code(), Some(1), "{}", stderr(&blocks));
    let report = comparable(&scan.stdout);
    assert_eq!(comparable(&blocks.stdout), report);
    for format in ["text", "csv", "sarif", "markdown", "line"] {
        let s = run(&["scan", "--format", format]);
        let b = run(&["blocks", "--groups", out, "--format", format]);
        assert_eq!(String::from_utf8_lossy(&b.stdout), String::from_utf8_lossy(&s.stdout), "{format}");
    }
    // Gates work as in a scan.
    let gated = run(&["blocks", "--groups", out, "--max-findings", "1000"]);
    assert_eq!(gated.status.code(), Some(0), "{}", stderr(&gated));
    report
}

/// The corpus has what the equality test must cover.
fn assert_covers_every_kind(report: &[Value]) {
    let findings: Vec<&Value> = report.iter().filter(|v| v["type"] == "finding").collect();
    let kind = |k: &str| findings.iter().filter(|f| f["kind"] == k).count();
    assert!(kind("exact") >= 3, "{findings:#?}");
    assert!(kind("near") >= 3, "{findings:#?}");
    assert!(kind("containment") >= 1, "{findings:#?}");
    assert!(findings.iter().any(|f| f["kind"] == "exact" && f["paragraphs"] == 3), "exact block");
    assert!(findings.iter().any(|f| f["kind"] == "near" && f["paragraphs"] == 2), "near block");
    let ocr = findings.iter().filter(|f| f["kind"] == "near" && f["similarity"].as_f64().unwrap() < 0.6).count();
    assert!(ocr >= 1, "an OCR-noise copy below the threshold: {findings:#?}");
    let cut = findings.iter().any(|f| {
        f["occurrences"].as_array().unwrap().iter().any(|o| o["para_end"].as_u64() > o["para_start"].as_u64())
            && f["paragraphs"] == 1
    });
    assert!(cut, "a cut paragraph matched as one");
    assert!(findings.iter().any(|f| f["occurrences"].as_array().unwrap().len() > 65), "the footer bucket");
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn sketch_tables_have_their_schema_settings_and_parts() {
    let tmp = tempfile::tempdir().unwrap();
    corpus(tmp.path());
    let o = doublet(tmp.path(), &["sketch", "--out", "sk", "docs"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sk = tmp.path().join("sk");
    assert!(sk.join("_SUCCESS").exists());
    let settings: Value = serde_json::from_str(&fs::read_to_string(sk.join("settings.json")).unwrap()).unwrap();
    for (key, want) in [("ngram", 5), ("num_perm", 128), ("bands", 42), ("rows", 3), ("seed", 0), ("files", 5)] {
        assert_eq!(settings[key], want, "{key}");
    }
    assert_eq!(settings["threshold"], 0.6);
    assert_eq!(settings["normalization"], doublet::normalize::VERSION);
    let paragraph_parts = parts(&sk.join("paragraphs"));
    let band_parts = parts(&sk.join("bands"));
    assert!(paragraph_parts.len() >= 4 && band_parts.len() == 8, "{paragraph_parts:?} {band_parts:?}");
    // Every file carries the settings in its key-value metadata.
    for p in paragraph_parts.iter().chain(&band_parts) {
        let reader = SerializedFileReader::new(File::open(p).unwrap()).unwrap();
        let kv = reader.metadata().file_metadata().key_value_metadata().unwrap();
        let value = kv.iter().find(|k| k.key == "doublet.settings").and_then(|k| k.value.clone()).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&value).unwrap(), settings, "{}", p.display());
    }
    let schema = |dir: &str| {
        let p = &parts(&sk.join(dir))[0];
        let b = ParquetRecordBatchReaderBuilder::try_new(File::open(p).unwrap()).unwrap();
        b.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect::<Vec<_>>()
    };
    let names = |s: &[(String, DataType)]| s.iter().map(|f| f.0.clone()).collect::<Vec<_>>().join(",");
    let p = schema("paragraphs");
    assert_eq!(
        names(&p),
        "key,file,path,item,para_start,para_end,byte_start,byte_end,line_start,line_end,hash_hi,hash_lo,\
         exact_group,representative,shingles,sketch,fingerprint"
    );
    assert!(matches!(&p[15].1, DataType::List(f) if f.data_type() == &DataType::Int32));
    assert_eq!(p[16].1, DataType::Int64);
    assert_eq!(names(&schema("bands")), "band,band_hash,exact_group");

    // Rows: one per item, keys 0..items in file order, one sketch per exact
    // group, the locations of what a scan reports.
    let rows = batches(&sk.join("paragraphs"));
    let keys: Vec<i64> = rows.iter().flat_map(|b| i64s(b, "key")).collect();
    let items = settings["items"].as_i64().unwrap();
    assert_eq!(keys, (0..items).collect::<Vec<_>>());
    let groups = settings["groups"].as_u64().unwrap() as usize;
    let mut sketched = 0;
    for b in &rows {
        let list = b.column_by_name("sketch").unwrap().as_any().downcast_ref::<ListArray>().unwrap();
        let reps = b.column_by_name("representative").unwrap().as_any().downcast_ref::<BooleanArray>().unwrap();
        let fps = b.column_by_name("fingerprint").unwrap();
        assert_eq!(fps.null_count(), b.num_rows(), "MinHash tables carry no fingerprints");
        for i in 0..b.num_rows() {
            assert_eq!(reps.value(i), list.is_valid(i));
            if list.is_valid(i) {
                sketched += 1;
                assert_eq!(list.value(i).len(), 128);
            }
        }
        assert!(i32s(b, "shingles").iter().all(|&n| n > 0));
    }
    assert_eq!(sketched, groups);
    let bands: usize = batches(&sk.join("bands")).iter().map(|b| b.num_rows()).sum();
    assert_eq!(bands, groups * 42);
    // The first paragraph of f0.txt: line 1, bytes from 0.
    let b = &rows[0];
    assert_eq!((i32s(b, "line_start")[0], i64s(b, "byte_start")[0], i32s(b, "para_start")[0]), (1, 0, 0));
    // The scan's exact block f2.txt ↔ f0.txt paragraphs 4–6 has the same hashes.
    let scan = doublet(tmp.path(), &["scan", "--format", "json", "docs"]);
    assert_eq!(scan.status.code(), Some(1));

    // Written again, the old tables are replaced whole.
    fs::write(sk.join("stale"), "x").unwrap();
    let o = doublet(tmp.path(), &["sketch", "--out", "sk", "--quiet", "docs"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!sk.join("stale").exists() && sk.join("_SUCCESS").exists());
    let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn blocks_with_the_pairs_of_the_tables_equals_scan() {
    let tmp = tempfile::tempdir().unwrap();
    corpus(tmp.path());
    assert_eq!(doublet(tmp.path(), &["sketch", "--out", "sk", "docs"]).status.code(), Some(0));
    let out = tmp.path().join("groups");
    write_output(&tmp.path().join("sk"), &out, &pairs_from_tables(&tmp.path().join("sk")));
    let report = assert_blocks_equal_scan(tmp.path(), &out, &[]);
    assert_covers_every_kind(&report);
    // Without the pairs the report is not the scan's: the test can fail.
    let empty = tmp.path().join("empty");
    write_output(&tmp.path().join("sk"), &empty, &[]);
    let b = doublet(tmp.path(), &["blocks", "--groups", "empty", "--format", "json", "docs"]);
    assert_ne!(comparable(&b.stdout), report);
}

#[test]
fn blocks_refuses_what_does_not_fit() {
    let tmp = tempfile::tempdir().unwrap();
    corpus(tmp.path());
    assert_eq!(doublet(tmp.path(), &["sketch", "--out", "sk", "docs"]).status.code(), Some(0));
    write_output(&tmp.path().join("sk"), &tmp.path().join("out"), &pairs_from_tables(&tmp.path().join("sk")));
    let fails = |args: &[&str], want: &str| {
        let o = doublet(tmp.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
    };
    fails(&["blocks", "--groups", "missing", "docs"], "doublet: missing: no such directory");
    fails(
        &["blocks", "--groups", "out", "--threshold", "0.7", "docs"],
        "out/settings: sketched with --threshold 0.6, this run has 0.7",
    );
    fails(&["blocks", "--groups", "out", "--num-perm", "64", "docs"], "sketched with --num-perm 128, this run has 64");
    fails(&["blocks", "--groups", "out", "--strict", "docs"], "sketched with --strict true, this run has false");
    // Other files than those sketched.
    fs::write(tmp.path().join("docs/f9.txt"), "A new paragraph long enough to be an item of its own.\n").unwrap();
    let o = doublet(tmp.path(), &["blocks", "--groups", "out", "docs"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the files are not those sketched (5 files"), "{}", stderr(&o));
    fs::remove_file(tmp.path().join("docs/f9.txt")).unwrap();
    // An unfinished job.
    fs::remove_file(tmp.path().join("out/edges/_SUCCESS")).unwrap();
    fails(&["blocks", "--groups", "out", "docs"], "out/edges: incomplete or missing (no _SUCCESS)");
    File::create(tmp.path().join("out/edges/_SUCCESS")).unwrap();
    // Edges that are no pairs of exact groups.
    fs::write(tmp.path().join("out/edges/part-00001.parquet"), "not parquet").unwrap();
    fails(&["blocks", "--groups", "out", "docs"], "out/edges/part-00001.parquet: ");
    // Pairs of one method are not the other's.
    fails(
        &["blocks", "--groups", "out", "--method", "simhash", "docs"],
        "sketched with --method \"minhash\", this run has \"simhash\"",
    );
}

/// Reads the SimHash tables: per exact group its fingerprint (and none of
/// the MinHash sketches), one band row per group and permuted table.
fn assert_simhash_tables(sk: &Path) {
    let settings: Value = serde_json::from_str(&fs::read_to_string(sk.join("settings.json")).unwrap()).unwrap();
    assert_eq!((settings["method"].as_str(), settings["simhash_distance"].as_u64()), (Some("simhash"), Some(8)));
    let tables = doublet::simhash::table_masks(8).len();
    assert_eq!(settings["tables"].as_u64(), Some(tables as u64));
    let groups = settings["groups"].as_u64().unwrap() as usize;
    let mut fingerprinted = 0;
    for b in batches(&sk.join("paragraphs")) {
        let reps = b.column_by_name("representative").unwrap().as_any().downcast_ref::<BooleanArray>().unwrap();
        let fps = b.column_by_name("fingerprint").unwrap();
        assert_eq!(b.column_by_name("sketch").unwrap().null_count(), b.num_rows());
        for i in 0..b.num_rows() {
            assert_eq!(reps.value(i), fps.is_valid(i));
            fingerprinted += usize::from(fps.is_valid(i));
        }
    }
    assert_eq!(fingerprinted, groups);
    let bands = batches(&sk.join("bands"));
    assert_eq!(bands.iter().map(|b| b.num_rows()).sum::<usize>(), groups * tables);
    let used: std::collections::BTreeSet<i32> = bands.iter().flat_map(|b| i32s(b, "band")).collect();
    assert_eq!(used, (0..tables as i32).collect());
}

#[test]
fn simhash_tables_give_the_simhash_scan_report() {
    let tmp = tempfile::tempdir().unwrap();
    corpus(tmp.path());
    let o = doublet(tmp.path(), &["sketch", "--out", "sk", "--method", "simhash", "docs"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sk = tmp.path().join("sk");
    assert_simhash_tables(&sk);
    let pairs = pairs_from_tables(&sk);
    // The bands give every pair within the distance, as a scan's tables do.
    let mut fps = Vec::new();
    for b in batches(&sk.join("paragraphs")) {
        let f = b.column_by_name("fingerprint").unwrap().as_any().downcast_ref::<Int64Array>().unwrap().clone();
        for (g, f) in i64s(&b, "exact_group").into_iter().zip(f.iter()) {
            if let Some(f) = f {
                fps.push((g, f as u64));
            }
        }
    }
    fps.sort_unstable();
    assert!(fps.iter().enumerate().all(|(i, &(g, _))| g == i as i64));
    let fps: Vec<u64> = fps.into_iter().map(|(_, f)| f).collect();
    let scan_pairs: Vec<(i64, i64)> =
        doublet::simhash::candidate_pairs(&fps, 8).into_iter().map(|(a, b)| (a.into(), b.into())).collect();
    assert_eq!(pairs, scan_pairs);
    assert!(!pairs.is_empty());
    let out = tmp.path().join("groups");
    write_output(&sk, &out, &pairs);
    let report = assert_blocks_equal_scan(tmp.path(), &out, &["--method", "simhash"]);
    let near = report.iter().filter(|v| v["type"] == "finding" && v["kind"] == "near").count();
    assert!(near >= 1, "{report:#?}");
    // The pairs are those within the distance, and they matter.
    let empty = tmp.path().join("empty");
    write_output(&sk, &empty, &[]);
    let b = doublet(tmp.path(), &["blocks", "--groups", "empty", "--method", "simhash", "--format", "json", "docs"]);
    assert_ne!(comparable(&b.stdout), report);
    // Other methods or distances are refused.
    for (args, want) in [
        (&["--method", "minhash"][..], "sketched with --method \"simhash\", this run has \"minhash\""),
        (&["--method", "simhash", "--simhash-distance", "3"][..], "sketched with --simhash-distance 8, this run has 3"),
    ] {
        let o = doublet(tmp.path(), &[&["blocks", "--groups", "groups"][..], args, &["docs"]].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

/// The Python that imports pyspark, with Java on PATH, or why there is none.
fn spark_python() -> Result<String, String> {
    if std::process::Command::new("java").arg("-version").output().is_err() {
        return Err("no java on PATH (apt-get install openjdk-17-jre-headless)".into());
    }
    let candidates = std::env::var("DOUBLET_SPARK_PYTHON")
        .into_iter()
        .chain(["/opt/doublet-spark/bin/python".to_string(), "python3".to_string()]);
    for python in candidates {
        let ok = std::process::Command::new(&python).args(["-c", "import pyspark"]).output();
        if ok.is_ok_and(|o| o.status.success()) {
            return Ok(python);
        }
    }
    Err("no Python with pyspark (python3 -m venv /opt/doublet-spark && /opt/doublet-spark/bin/pip install \
         'pyspark==3.5.*', or set DOUBLET_SPARK_PYTHON)"
        .into())
}

#[test]
fn spark_job_in_local_mode_gives_the_scan_report() {
    let python = match spark_python() {
        Ok(p) => p,
        Err(why) if std::env::var_os("CI").is_some() => panic!("Spark test cannot run under CI: {why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    corpus(tmp.path());
    // MinHash, the default, then SimHash.
    for (method, sketch, out) in [("minhash", "sk", "out"), ("simhash", "sk-simhash", "out-simhash")] {
        let o = doublet(tmp.path(), &["sketch", "--out", sketch, "--method", method, "docs"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        run_job(&python, tmp.path(), sketch, out);
        let with = ["--method", method];
        let report = assert_blocks_equal_scan(tmp.path(), &tmp.path().join(out), &with);
        if method == "minhash" {
            assert_covers_every_kind(&report);
        } else {
            assert_simhash_tables(&tmp.path().join(sketch));
            assert!(report.iter().any(|v| v["type"] == "finding" && v["kind"] == "near"), "{report:#?}");
        }
    }
}

/// Runs the job on the tables in `root/sketch` into `root/out`; checks that
/// its pairs are the tables' and its groups their components.
fn run_job(python: &str, root: &Path, sketch: &str, out: &str) {
    let job = Path::new(env!("CARGO_MANIFEST_DIR")).join("spark/doublet_groups.py");
    let run = std::process::Command::new(python)
        .arg(&job)
        .args(["--sketch", sketch, "--out", out, "--master", "local[2]", "--partitions", "4", "--bands-per-pass", "16"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    // The job's own account (pairs, groups, rounds, seconds), for --nocapture.
    eprintln!("{}", stderr(&run).lines().filter(|l| l.starts_with("doublet_groups:")).collect::<Vec<_>>().join("\n"));
    // The job's pairs are the ones the tables give.
    let edges: Vec<(i64, i64)> = {
        let mut e: Vec<(i64, i64)> = batches(&root.join(out).join("edges"))
            .iter()
            .flat_map(|b| i64s(b, "a").into_iter().zip(i64s(b, "b")))
            .collect();
        e.sort_unstable();
        e
    };
    assert_eq!(edges, pairs_from_tables(&root.join(sketch)));
    // Groups: the least exact group of each component, every member listed.
    let groups = batches(&root.join(out).join("groups"));
    let mut label: HashMap<i64, i64> = HashMap::new();
    for b in &groups {
        for (g, c) in i64s(b, "exact_group").into_iter().zip(i64s(b, "group")) {
            assert!(c <= g);
            assert_eq!(*label.entry(g).or_insert(c), c);
        }
    }
    for (a, b) in &edges {
        assert_eq!(label[a], label[b], "edge {a}-{b} across groups");
    }
}
