//! JSON Lines: the contract that scripts and evaluations read.
//!
//! One object per line, each with a `type`: `begin` (version and every
//! parameter), one `finding` per finding, `summary` last. See the README for
//! every field. Lines stream: a consumer can act on each finding as it comes.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::Report;
use crate::scan::ScanResult;

pub struct Json;

impl Report for Json {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        line(out, &begin(result))?;
        for f in &result.findings {
            line(out, &typed("finding", f)?)?;
        }
        for b in &result.breaks {
            line(out, &typed("break", b)?)?;
        }
        line(out, &summary(result))
    }
}

/// `value`'s fields after a leading `"type": kind`.
fn typed(kind: &str, value: &impl serde::Serialize) -> io::Result<Value> {
    let mut record = serde_json::Map::new();
    record.insert("type".into(), kind.into());
    if let Value::Object(fields) = serde_json::to_value(value).map_err(io::Error::other)? {
        record.extend(fields);
    }
    Ok(Value::Object(record))
}

fn line(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// The `begin` record: version and every parameter that shapes the result.
pub fn begin(result: &ScanResult) -> Value {
    let p = &result.params;
    json!({
        "type": "begin",
        "version": env!("CARGO_PKG_VERSION"),
        "params": {
            "method": p.method,
            "threshold": p.threshold,
            "ngram": p.ngram,
            "shingle": "char",
            "min_chars": p.min_chars,
            "num_perm": p.num_perm,
            "bands": result.banding.bands,
            "rows": result.banding.rows,
            "simhash_distance": p.simhash_distance,
            "seed": p.seed,
            "segment": if p.lines { "lines" } else { "paragraphs" },
            "binary": p.binary,
            "ocr_floor": p.ocr_floor(),
            "check_breaks": p.check_breaks,
            "ignore_patterns": p.ignore_patterns,
            "text_field": p.input.text_field(),
            "id_field": p.input.id_field,
            "normalization": crate::normalize::VERSION,
        }
    })
}

/// The `summary` record: counts, then timings in seconds and resident
/// memory in bytes per stage.
pub fn summary(result: &ScanResult) -> Value {
    let s = &result.summary;
    let timings: serde_json::Map<String, Value> =
        s.timings.iter().map(|(k, v)| ((*k).to_string(), json!(round(*v)))).collect();
    let memory: serde_json::Map<String, Value> =
        s.memory.iter().map(|(k, r)| ((*k).to_string(), json!({"rss": r.now, "peak_rss": r.peak}))).collect();
    json!({
        "type": "summary",
        "files": s.files,
        "bytes": s.bytes,
        "paragraphs": s.paragraphs,
        "matchable_items": s.matchable,
        "exact_groups": s.exact_groups,
        "candidate_pairs": s.candidate_pairs,
        "verified_pairs": s.verified_pairs,
        "findings": s.findings,
        "breaks": s.breaks,
        "exact_findings": s.exact_findings,
        "near_findings": s.near_findings,
        "containment_findings": s.containment_findings,
        "passage_findings": s.passage_findings,
        "duplicated_bytes": s.duplicated_bytes,
        "duplicated_percent": round(s.duplicated_percent()),
        "errors": s.errors,
        "skipped": s.skipped,
        "bad_records": s.bad_records,
        "accepted": s.accepted,
        "excluded": s.excluded,
        "timings": timings,
        "memory": memory,
        "elapsed": round(s.elapsed),
    })
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
