//! SARIF 2.1.0, the static-analysis interchange format: GitHub code
//! scanning, GitLab, Azure DevOps and editor SARIF viewers show every copy
//! of a duplicate as an alert on its lines.
//!
//! One run; one result per finding (and per layout break), its rule one per
//! kind (`doublet/exact`, `doublet/near`, `doublet/containment`,
//! `doublet/passage`, `doublet/break`). Every occurrence is a location, the
//! first the primary one, and a related location with an `id`, which the
//! result's message links to (`[path:line](2)`). Regions carry both the byte
//! range and the line:column range; our end column is inclusive and SARIF's
//! is exclusive, so `endColumn` is one more, and `columnKind` says columns
//! count Unicode code points, as ours do. URIs are relative references,
//! percent-encoded, resolved against `%SRCROOT%` (the directory doublet ran
//! in); absolute paths become `file://` URIs. `partialFingerprints` hold the
//! content hashes, so an alert keeps its identity when text only moves.
//! Nothing depends on the clock, so the same scan gives the same bytes.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{break_message, kind_name, other_copies, Report};
use crate::scan::{Finding, Kind, Occurrence, ScanResult};
use crate::source::Severity;

pub struct Sarif;

/// The `$schema` of every document.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base every relative artifact URI is resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

/// Rule of one kind of result: id, name, short description, full
/// description, help.
struct Rule {
    id: &'static str,
    name: &'static str,
    short: &'static str,
    full: &'static str,
    help: &'static str,
}

const KIND_RULES: [Rule; 4] = [
    Rule {
        id: "doublet/exact",
        name: "ExactDuplicate",
        short: "Passage repeated verbatim",
        full: "Every paragraph of every copy has the same normalized text (NFKC, case folded, punctuation \
               and white space removed): the passage was printed more than once.",
        help: "Keep one copy and delete the others. A block printed twice back to back is usually a \
               layout or typesetting error; a copy far away may be a repeated notice or boilerplate.",
    },
    Rule {
        id: "doublet/near",
        name: "NearDuplicate",
        short: "Passage repeated with small differences",
        full: "The copies' character shingle sets reach the Jaccard similarity threshold, or differ only by \
               OCR-like misreadings; the similarity is the lowest verified between copies.",
        help: "Compare the copies: keep one, or make the differences deliberate. Near copies in digitized \
               text are often the same passage recognised twice with different errors.",
    },
    Rule {
        id: "doublet/containment",
        name: "ContainedParagraph",
        short: "Paragraph found inside a longer paragraph",
        full: "A paragraph occurs whole (80 % of its shingles or more, in one piece) inside a longer \
               paragraph; the first copy is the paragraph, the others the passages inside the longer ones.",
        help: "Check whether the quotation is intended; otherwise remove the repeated passage or the \
               paragraph.",
    },
    Rule {
        id: "doublet/passage",
        name: "SharedPassage",
        short: "Passage shared by two otherwise different paragraphs",
        full: "Two paragraphs that are otherwise different share a passage of 60 or more characters; each \
               copy is the passage inside its paragraph.",
        help: "Check whether the repetition is intended; otherwise rewrite or remove one of the passages.",
    },
];

const BREAK_RULE: Rule = Rule {
    id: "doublet/break",
    name: "LayoutBreak",
    short: "Paragraph cut in two by a blank line",
    full: "A paragraph that does not end a sentence is followed, after a blank line, by one that continues \
           it, as a page or column break leaves in digitized text (reported with --check breaks).",
    help: "Remove the stray blank line so that the two parts are one paragraph again.",
};

fn rule_index(kind: Kind) -> usize {
    match kind {
        Kind::Exact => 0,
        Kind::Near => 1,
        Kind::Containment => 2,
        Kind::Passage => 3,
    }
}

impl Report for Sarif {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &document(result)).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

/// The whole SARIF log of `result`.
pub fn document(result: &ScanResult) -> Value {
    let artifact_of: HashMap<&str, usize> =
        result.files.iter().enumerate().rev().map(|(i, f)| (f.path.as_str(), i)).collect();
    let mut rules: Vec<&Rule> = KIND_RULES.iter().collect();
    if result.params.check_breaks {
        rules.push(&BREAK_RULE);
    }
    let mut results: Vec<Value> = result.findings.iter().map(|f| finding_result(f, &artifact_of)).collect();
    results.extend(result.breaks.iter().map(|b| {
        json!({
            "ruleId": BREAK_RULE.id,
            "ruleIndex": KIND_RULES.len(),
            "level": "warning",
            "message": { "text": escape_message(&break_message(b)) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact_location(&b.path, &artifact_of),
                    "region": { "startLine": b.line },
                },
            }],
            "partialFingerprints": {
                "doubletBreak/v1": format!("{:016x}", xxhash_rust::xxh3::xxh3_64(
                    format!("{}\n{}\n{}", b.path, b.before, b.after).as_bytes()
                )),
            },
        })
    }));
    let notifications: Vec<Value> = result
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "level": if d.severity == Severity::Error { "error" } else { "note" },
                "message": { "text": d.to_string() },
                "locations": [{
                    "physicalLocation": { "artifactLocation": artifact_location(&d.path, &artifact_of) },
                }],
            })
        })
        .collect();
    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), (!result.has_errors()).into());
    if !notifications.is_empty() {
        invocation.insert("toolExecutionNotifications".into(), notifications.into());
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "doublet",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
                },
            },
            "invocations": [invocation],
            "artifacts": result.files.iter().map(|f| json!({
                "location": uri_location(&f.path),
                "length": f.bytes,
                "roles": ["analysisTarget"],
            })).collect::<Vec<_>>(),
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.short },
        "fullDescription": { "text": r.full },
        "help": { "text": r.help },
        "defaultConfiguration": { "level": "warning" },
    })
}

fn finding_result(f: &Finding, artifact_of: &HashMap<&str, usize>) -> Value {
    let n = f.occurrences.len();
    let place = |o: &Occurrence| physical_location(o, artifact_of);
    let locations: Vec<Value> = f
        .occurrences
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let text = if o.snippet.is_empty() {
                format!("copy {} of {n}", i + 1)
            } else {
                format!("copy {} of {n}: {}", i + 1, o.snippet)
            };
            json!({ "physicalLocation": place(o), "message": { "text": escape_message(&text) } })
        })
        .collect();
    let related: Vec<Value> = f
        .occurrences
        .iter()
        .enumerate()
        .map(|(i, o)| {
            json!({
                "id": i + 1,
                "physicalLocation": place(o),
                "message": { "text": format!("copy {} of {n}", i + 1) },
            })
        })
        .collect();
    // Related location ids are 1-based copy numbers; the first copy is the
    // primary location, the others are linked.
    let links: Vec<String> = other_copies(f, 0)
        .zip(2..)
        .map(|(o, id)| format!("[{}]({id})", escape_message(&format!("{}:{}", o.path, o.line_start))))
        .collect();
    let what = match f.kind {
        Kind::Exact => "Exact duplicate",
        Kind::Near => "Near duplicate",
        Kind::Containment => "Paragraph contained in longer paragraphs",
        Kind::Passage => "Passage shared by different paragraphs",
    };
    let paragraphs = if f.paragraphs == 1 { "1 paragraph".to_string() } else { format!("{} paragraphs", f.paragraphs) };
    let message = format!(
        "{what} ({paragraphs}, {n} copies, similarity {:.3}); other {}: {}.",
        f.similarity,
        if n == 2 { "copy" } else { "copies" },
        links.join(", ")
    );
    json!({
        "ruleId": KIND_RULES[rule_index(f.kind)].id,
        "ruleIndex": rule_index(f.kind),
        "level": "warning",
        "message": { "text": message },
        "locations": locations,
        "relatedLocations": related,
        "partialFingerprints": {
            "doubletFinding/v1": f.fingerprint,
            "doubletContent/v1": f.occurrences[0].content,
        },
        "properties": {
            "finding": f.id,
            "kind": kind_name(f.kind),
            "similarity": f.similarity,
            "paragraphs": f.paragraphs,
            "copies": n,
        },
    })
}

fn physical_location(o: &Occurrence, artifact_of: &HashMap<&str, usize>) -> Value {
    let mut region = json!({
        "startLine": o.line_start,
        "startColumn": o.col_start,
        "endLine": o.line_end,
        // Ours is the last character; SARIF's is the one after it.
        "endColumn": o.col_end + 1,
        "byteOffset": o.byte_start,
        "byteLength": o.byte_end - o.byte_start,
    });
    if let Some(text) = exact_snippet(o) {
        region["snippet"] = json!({ "text": text });
    }
    let mut location = json!({ "artifactLocation": artifact_location(&o.path, artifact_of), "region": region });
    // Archive inputs: the region is in the decompressed text (or, for
    // Parquet, in the row's text); the record and field range say where.
    if let Some(inside) = &o.inside {
        location["properties"] = json!(inside);
    }
    location
}

/// The occurrence's snippet when it is its exact text: one line, not cut,
/// as many characters and bytes as the region (so no white space was
/// collapsed), and not recognised text standing for OCR markup.
fn exact_snippet(o: &Occurrence) -> Option<&str> {
    let s = o.snippet.as_str();
    let one_line = o.line_start == o.line_end;
    let whole = s.chars().count() == o.col_end + 1 - o.col_start && s.len() == o.byte_end - o.byte_start;
    (one_line && whole && o.page.is_none() && !s.is_empty()).then_some(s)
}

fn artifact_location(path: &str, artifact_of: &HashMap<&str, usize>) -> Value {
    let mut location = uri_location(path);
    if let Some(&i) = artifact_of.get(path) {
        location["index"] = i.into();
    }
    location
}

/// `{"uri", "uriBaseId"}` of a path as named: a relative reference under
/// [`SRCROOT`], or a `file://` URI for an absolute path.
fn uri_location(path: &str) -> Value {
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(path)) })
    } else {
        json!({ "uri": percent_encode(path), "uriBaseId": SRCROOT })
    }
}

/// `path` as a URI path: every byte but the unreserved characters of
/// RFC 3986 and `/` percent-encoded (UTF-8), so spaces, `%`, `:` (which
/// would read as a scheme), `#`, `?` and non-ASCII names stay one path.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Message text with its literal square brackets escaped, as SARIF
/// requires outside and inside embedded links.
pub fn escape_message(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        let cases = [
            ("corpus/newspaper-page.txt", "corpus/newspaper-page.txt"),
            ("my notes/a,b:c.txt", "my%20notes/a%2Cb%3Ac.txt"),
            ("100%.txt", "100%25.txt"),
            ("考生/须知.txt", "%E8%80%83%E7%94%9F/%E9%A1%BB%E7%9F%A5.txt"),
            ("a#b?c", "a%23b%3Fc"),
            ("<stdin>", "%3Cstdin%3E"),
        ];
        for (path, want) in cases {
            assert_eq!(percent_encode(path), want, "{path:?}");
            assert_eq!(uri_location(path), json!({ "uri": want, "uriBaseId": SRCROOT }));
        }
        assert_eq!(uri_location("/tmp/a b.txt"), json!({ "uri": "file:///tmp/a%20b.txt" }));
    }

    #[test]
    fn brackets_in_messages() {
        assert_eq!(escape_message("a [b] c"), "a \\[b\\] c");
    }
}
