//! End-to-end tests of `doublet scan --format html`: the built binary writes
//! the report, the tests read it back as a tree and check what an editor
//! sees (both copies with their locations and text, the characters that
//! differ, escaping, cut text), and a real browser (Debian's `chromium`,
//! headless) renders the seed page's report at desktop and phone sizes.
//!
//! The report is well-formed XML by design, so `quick-xml` (a dependency of
//! the library already) parses it here: a parse error is a malformed page.
//! Without `chromium` on PATH the browser test fails when `CI` is set and
//! is skipped with a message otherwise. `DOUBLET_UPDATE_SCREENSHOT=1` makes
//! it write its desktop screenshot to `docs/html-report.png`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use quick_xml::events::Event;

/// Longest any one run of the binary or of the browser may take.
const TIMEOUT: Duration = Duration::from_secs(90);

/// The seed page: one exam notice of two paragraphs printed twice.
const SEED: &str = "corpus/newspaper-page.txt";

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

fn doublet() -> Command {
    let mut c = Command::cargo_bin("doublet").unwrap();
    c.env_remove("NO_COLOR").timeout(TIMEOUT);
    c
}

/// `doublet scan --format html ARGS…` run in `dir`.
fn html_in(dir: &Path, args: &[&str]) -> Output {
    doublet().current_dir(dir).args(["scan", "--format", "html", "--quiet"]).args(args).output().unwrap()
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The report of `args` in `dir`, checked for exit status `code`.
#[track_caller]
fn report(dir: &Path, args: &[&str], code: i32) -> String {
    let o = html_in(dir, args);
    assert_eq!(o.status.code(), Some(code), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("the report is UTF-8")
}

/// A temporary directory with `files` (name, bytes) in it.
fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("doublet-html-").tempdir().unwrap();
    for (name, bytes) in files {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

// ---------------------------------------------------------------------------
// The page as a tree
// ---------------------------------------------------------------------------

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }

    /// Every element below this one (itself included), in document order.
    fn descendants(&self) -> Vec<&Element> {
        let mut out = vec![self];
        for child in &self.children {
            if let Node::Element(e) = child {
                out.extend(e.descendants());
            }
        }
        out
    }

    fn all(&self, pred: impl Fn(&Element) -> bool) -> Vec<&Element> {
        self.descendants().into_iter().filter(|e| pred(e)).collect()
    }

    fn by_class(&self, class: &str) -> Vec<&Element> {
        self.all(|e| e.has_class(class))
    }

    fn by_name(&self, name: &str) -> Vec<&Element> {
        self.all(|e| e.name == name)
    }

    /// The text content, as the DOM's `textContent`.
    fn text(&self) -> String {
        let mut out = String::new();
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => out.push_str(&e.text()),
            }
        }
        out
    }
}

/// Parses the page strictly as XML; panics on anything malformed.
fn parse(html: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(html);
    let mut stack = vec![Element::default()];
    let text = |stack: &mut Vec<Element>, s: String| stack.last_mut().unwrap().children.push(Node::Text(s));
    loop {
        let at = reader.buffer_position();
        match reader.read_event().unwrap_or_else(|e| panic!("malformed at byte {at}: {e}")) {
            Event::Start(t) | Event::Empty(t) if t.name().as_ref().is_empty() => panic!("empty tag at {at}"),
            Event::Start(t) => stack.push(element(&t)),
            Event::Empty(t) => {
                let e = element(&t);
                stack.last_mut().unwrap().children.push(Node::Element(e));
            }
            Event::End(_) => {
                let e = stack.pop().unwrap();
                assert!(!stack.is_empty(), "closing tag without an element at {at}");
                stack.last_mut().unwrap().children.push(Node::Element(e));
            }
            Event::Text(t) => text(&mut stack, t.decode().unwrap().into_owned()),
            Event::CData(t) => text(&mut stack, t.decode().unwrap().into_owned()),
            Event::GeneralRef(r) => {
                let s = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match r.decode().unwrap().as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("unknown entity &{other}; at {at}"),
                    },
                };
                text(&mut stack, s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(
        stack.len(),
        1,
        "elements left open at the end: {:?}",
        stack.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
    let mut doc = stack.pop().unwrap();
    let roots: Vec<Element> = doc
        .children
        .drain(..)
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(t) => {
                assert!(t.trim().is_empty(), "text outside <html>: {t:?}");
                None
            }
        })
        .collect();
    assert_eq!(roots.len(), 1, "one root element");
    roots.into_iter().next().unwrap()
}

fn element(t: &quick_xml::events::BytesStart) -> Element {
    let name = String::from_utf8(t.name().as_ref().to_vec()).unwrap();
    let attrs = t
        .attributes()
        .map(|a| {
            let a = a.unwrap_or_else(|e| panic!("bad attribute in <{name}>: {e}"));
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned(),
            )
        })
        .collect();
    Element { name, attrs, children: Vec::new() }
}

/// The page's findings.
fn findings(page: &Element) -> Vec<&Element> {
    page.by_class("finding")
}

/// The heading location (`path:line:col`) and the shown text of each copy
/// of a finding, in page order.
fn copies(finding: &Element) -> Vec<(String, String)> {
    finding
        .by_class("copy")
        .into_iter()
        .map(|c| (c.by_name("h4")[0].text(), c.by_class("text").first().map(|t| t.text()).unwrap_or_default()))
        .collect()
}

/// The texts of the `del` or `ins` marks inside a copy.
fn marks(copy: &Element, tag: &str) -> Vec<String> {
    copy.by_name(tag).into_iter().map(|e| e.text()).collect()
}

// ---------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------

#[test]
fn seed_page_report_shows_both_copies_with_their_locations_and_text() {
    let html = report(crate_dir(), &[SEED], 1);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    let page = parse(&html);
    assert_eq!(page.name, "html");
    assert_eq!(page.attr("lang"), Some("en"));
    assert!(!page.by_name("title")[0].text().is_empty());

    let summary = page.all(|e| e.attr("id") == Some("summary"))[0].text();
    for fact in ["Files", "59", "17.4 KiB", "1 exact, 0 near", "5.6%", "similarity threshold", "0.6", "minhash"] {
        assert!(summary.contains(fact), "summary lacks {fact:?}: {summary}");
    }
    let version = format!("doublet {}", env!("CARGO_PKG_VERSION"));
    assert!(page.by_class("sub")[0].text().contains(&version), "no version");

    let found = findings(&page);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].attr("data-kind"), Some("exact"));
    let raw = fs::read(crate_dir().join(SEED)).unwrap();
    let both = copies(found[0]);
    assert_eq!(
        both.iter().map(|(loc, _)| loc.as_str()).collect::<Vec<_>>(),
        ["corpus/newspaper-page.txt:79:1", "corpus/newspaper-page.txt:83:1"]
    );
    // The full text of each copy: the file's bytes in the occurrence's range.
    assert_eq!(both[0].1, std::str::from_utf8(&raw[11142..12143]).unwrap());
    assert_eq!(both[1].1, std::str::from_utf8(&raw[12145..13146]).unwrap());
    let links: Vec<_> = found[0].by_class("loc").iter().filter_map(|a| a.attr("href")).collect();
    assert_eq!(links, ["corpus/newspaper-page.txt#L79", "corpus/newspaper-page.txt#L83"]);
    let badges: Vec<String> = found[0].by_class("badge").iter().map(|b| b.text()).collect();
    assert_eq!(badges, ["identical copies", "identical to copy 1"]);
    // Chinese text is marked as such, for fonts and line breaking.
    assert_eq!(found[0].by_class("text")[0].attr("lang"), Some("zh"));
}

#[test]
fn the_page_needs_nothing_from_outside() {
    let html = report(crate_dir(), &[SEED], 1);
    let page = parse(&html);
    for e in page.descendants() {
        for (k, v) in &e.attrs {
            assert!(k != "src" && k != "srcset", "<{}> loads {v}", e.name);
            if k == "href" {
                assert!(!v.contains("//") && !v.starts_with("http"), "external link {v}");
            }
        }
        assert!(!["link", "img", "iframe", "object", "embed"].contains(&e.name.as_str()), "<{}>", e.name);
    }
    assert!(!html.contains("@import") && !html.contains("url("), "the style loads nothing");
    assert_eq!(page.by_name("style").len(), 1);
    assert_eq!(page.by_name("script").len(), 1);
    // Keyboard: a skip link to the findings, which can take focus.
    let skip = &page.by_class("skip")[0];
    assert_eq!(skip.attr("href"), Some("#findings"));
    assert_eq!(page.all(|e| e.attr("id") == Some("findings"))[0].attr("tabindex"), Some("-1"));
    // Dark scheme and phones.
    assert!(html.contains("prefers-color-scheme: dark"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("@media print"));
}

/// A paragraph of the exam notice in English, long enough to match.
const NOTICE: &str = "The examination office reminds all candidates that the written test begins at nine o'clock \
    in Room 12 on the first Monday of June, that identity cards must be shown at the door, and that late arrivals \
    cannot be admitted under any circumstances whatsoever.";

const CJK_NOTICE: &str = "考生须凭本人准考证、有效身份证件,经人脸识别验证通过后,方可进入考场参加考试。\
    应自觉遵守考试纪律,鼓励和提倡考生不携带手机等电子产品进入考点参加考试。";

/// The report of `a` and `b`, each in a file of its own with an unrelated
/// paragraph, checked to hold one near finding.
fn near_pair(a: &str, b: &str) -> Element {
    let dir = dir_with(&[
        ("a.txt", format!("A headline for the first page.\n\n{a}\n").as_bytes()),
        ("b.txt", format!("{b}\n\nThe weather will be fine all week.\n").as_bytes()),
    ]);
    let page = parse(&report(dir.path(), &["a.txt", "b.txt"], 1));
    let found = findings(&page);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].attr("data-kind"), Some("near"));
    page
}

#[test]
fn near_pair_highlights_exactly_the_changed_characters() {
    let changed = NOTICE.replace("Room 12", "Room 14").replace("June", "July");
    let page = near_pair(NOTICE, &changed);
    let finding = findings(&page)[0];
    let cols = finding.by_class("copy");
    assert_eq!(cols.len(), 2);
    assert_eq!(marks(cols[0], "del"), ["2", "ne"]);
    assert_eq!(marks(cols[1], "ins"), ["4", "ly"]);
    assert!(marks(cols[0], "ins").is_empty() && marks(cols[1], "del").is_empty());
    // The marks change nothing of the text itself.
    assert_eq!(cols[0].by_class("text")[0].text(), NOTICE);
    assert_eq!(cols[1].by_class("text")[0].text(), changed);
    let badges: Vec<String> = finding.by_class("badge").iter().map(|b| b.text()).collect();
    assert_eq!(badges, ["3 characters not in copy 2", "3 characters not in copy 1"]);
    let locs: Vec<String> = copies(finding).into_iter().map(|(l, _)| l).collect();
    assert_eq!(locs, ["a.txt:3:1", "b.txt:1:1"]);
}

#[test]
fn cjk_near_pair_is_compared_per_character() {
    let changed = CJK_NOTICE.replace('凭', "持").replace("手机", "手表");
    let page = near_pair(CJK_NOTICE, &changed);
    let cols = findings(&page)[0].by_class("copy");
    assert_eq!(marks(cols[0], "del"), ["凭", "机"]);
    assert_eq!(marks(cols[1], "ins"), ["持", "表"]);
    assert_eq!(cols[1].by_class("text")[0].text(), changed);
    assert_eq!(cols[1].by_class("text")[0].attr("lang"), Some("zh"));
}

#[test]
fn markup_in_the_input_is_shown_never_run() {
    let evil = "Beware <script>alert(\"x\")</script> & <img src=x onerror=alert(1)> said the notice, \
                which was printed twice on the same page by mistake.";
    let name = "a<b>&\"q'.txt";
    let dir = dir_with(&[(name, format!("{evil}\n\n{evil}\n").as_bytes())]);
    let html = report(dir.path(), &[name], 1);
    assert!(!html.contains("<script>alert") && !html.contains("<img"), "unescaped input");
    let page = parse(&html);
    assert_eq!(page.by_name("script").len(), 1, "only the report's own script");
    assert!(page.by_name("img").is_empty());
    let found = findings(&page);
    let shown = copies(found[0]);
    assert_eq!(shown[0], (format!("{name}:1:1"), evil.to_string()));
    assert_eq!(shown[1].0, format!("{name}:3:1"));
    let href = found[0].by_class("loc")[0].attr("href").unwrap();
    assert_eq!(href, "a%3Cb%3E%26%22q%27.txt#L1");
}

#[test]
fn standard_input_is_shown_from_the_bytes_kept() {
    let input = format!("{NOTICE}\n\n{NOTICE}\n");
    let o = doublet().args(["scan", "--format", "html", "-q", "-"]).write_stdin(input).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let page = parse(&String::from_utf8(o.stdout).unwrap());
    let finding = findings(&page)[0];
    let shown = copies(finding);
    assert_eq!(
        shown,
        [("<stdin>:1:1".to_string(), NOTICE.to_string()), ("<stdin>:3:1".to_string(), NOTICE.to_string())]
    );
    // Standard input is no file to link to: the location is shown as text.
    assert!(finding.by_class("loc").iter().all(|l| l.name == "span" && l.attr("href").is_none()));
}

#[test]
fn ocr_copies_show_the_recognised_text_not_the_xml() {
    let fixtures = crate_dir().join("tests/fixtures/ocr");
    let page = parse(&report(&fixtures, &["notice.alto.xml", "notice.txt"], 1));
    let found = findings(&page);
    assert!(!found.is_empty());
    let mut alto = 0;
    for f in found {
        for (loc, text) in copies(f) {
            assert!(!text.is_empty(), "{loc}");
            assert!(!text.contains('<') && !text.contains("CONTENT"), "{loc} shows markup: {text}");
            alto += usize::from(loc.starts_with("notice.alto.xml:"));
        }
    }
    assert!(alto > 0);
    let first = copies(findings(&page)[0]);
    assert!(first[0].0.starts_with("notice.alto.xml:"), "{first:?}");
    assert!(first[0].1.contains("Candidates must arrive"), "{}", first[0].1);
    assert!(findings(&page)[0].text().contains("page 1, box"));
}

#[test]
fn invalid_utf8_is_shown_lossily() {
    let para = b"An archive scan with a broken byte \xff\xfe in it, printed twice over on the page.";
    let mut file = para.to_vec();
    file.extend_from_slice(b"\n\n");
    file.extend_from_slice(para);
    let dir = dir_with(&[("bad.txt", &file)]);
    let page = parse(&report(dir.path(), &["bad.txt"], 1));
    let shown = copies(findings(&page)[0]);
    assert_eq!(shown[0].1, String::from_utf8_lossy(para));
    assert!(shown[1].1.contains("byte \u{FFFD}\u{FFFD} in it"));
}

#[test]
fn huge_occurrences_are_cut_with_a_count_of_the_rest() {
    let para = (0..1500).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let dir = dir_with(&[("big.txt", format!("{para}\n\n{para}\n").as_bytes())]);
    let page = parse(&report(dir.path(), &["big.txt"], 1));
    let finding = findings(&page)[0];
    let text = &finding.by_class("text")[0].text();
    assert_eq!(text.chars().count(), 4000);
    assert!(para.starts_with(text.as_str()));
    let more = finding.by_class("more")[0].text();
    let rest = para.len() - 4000;
    let rest = format!("{},{:03}", rest / 1000, rest % 1000);
    assert_eq!(more, format!("… {rest} more characters not shown"));
}

#[test]
fn many_copies_beyond_the_row_are_listed_by_location() {
    let body = vec![NOTICE; 14].join("\n\n");
    let dir = dir_with(&[("many.txt", body.as_bytes())]);
    let page = parse(&report(dir.path(), &["many.txt"], 1));
    let finding = findings(&page)[0];
    assert!(finding.text().contains("14 copies"));
    assert_eq!(finding.by_class("copy").len(), 12);
    let others = &finding.by_class("others")[0];
    let listed: Vec<String> = others.by_name("li").iter().map(|li| li.by_class("loc")[0].text()).collect();
    assert_eq!(listed, ["many.txt:25:1", "many.txt:27:1"]);
    assert!(others.text().contains("2 more copies"));
}

#[test]
fn near_copies_beyond_two_are_each_compared_with_the_first() {
    let b = NOTICE.replace("Room 12", "Room 14");
    let c = NOTICE.replace("June", "July");
    let dir = dir_with(&[("a.txt", format!("{NOTICE}\n\n{b}\n\n{c}\n").as_bytes())]);
    let page = parse(&report(dir.path(), &["a.txt"], 1));
    let finding = findings(&page)[0];
    let headings: Vec<String> = finding.by_class("vs").iter().map(|h| h.text()).collect();
    assert_eq!(headings, ["Copy 1 against copy 2", "Copy 1 against copy 3"]);
    let pairs = finding.by_class("pair");
    assert_eq!(marks(pairs[0].by_class("copy")[1], "ins"), ["4"]);
    assert_eq!(marks(pairs[1].by_class("copy")[1], "ins"), ["ly"]);
}

#[test]
fn nothing_found_is_a_page_that_says_so() {
    let dir = dir_with(&[("one.txt", NOTICE.as_bytes())]);
    let page = parse(&report(dir.path(), &["one.txt"], 0));
    assert!(findings(&page).is_empty());
    assert!(page.text().contains("No duplicated passages were found."));
}

// ---------------------------------------------------------------------------
// A real browser
// ---------------------------------------------------------------------------

/// Runs `cmd` (killed after [`TIMEOUT`]) and returns its stdout; fails the
/// test unless it succeeds.
fn run_bounded(mut cmd: Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?}: {}\n{}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Headless Chromium with a profile of its own, at `width`×`height`.
fn chromium(profile: &Path, width: u32, height: u32) -> Command {
    let mut c = Command::new("chromium");
    c.args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg("--force-device-scale-factor=1")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .timeout(TIMEOUT);
    c
}

fn chromium_available() -> bool {
    std::process::Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A phone's screen around the report: headless Chromium does not make
/// its window narrower than 500 pixels, so the report is laid out in a
/// 390×844 frame, and a script writes the frame's document width, window
/// width and classes (the report's script adds `js`) into `<body>` of the
/// DOM that is dumped. File URLs may read each other with
/// `--allow-file-access-from-files`.
const PHONE: &str = "<!DOCTYPE html><html><head><style>body { margin: 0 } \
    iframe { width: 390px; height: 844px; border: 0; display: block }</style></head><body>\
    <iframe id=\"phone\" src=\"report.html\"></iframe><script>\
    var frame = document.getElementById('phone');\
    function probe() { var d = frame.contentDocument.documentElement;\
    document.body.setAttribute('data-scroll-width', String(d.scrollWidth));\
    document.body.setAttribute('data-client-width', String(d.clientWidth));\
    document.body.setAttribute('data-classes', d.className); }\
    frame.addEventListener('load', probe);</script></body></html>";

/// The number in `name="…"` in a dumped DOM.
fn dom_number(dom: &str, name: &str) -> u32 {
    let key = format!("{name}=\"");
    let at = dom.find(&key).unwrap_or_else(|| panic!("{name} not in the DOM")) + key.len();
    dom[at..].split('"').next().unwrap().parse().unwrap()
}

/// Checks that a screenshot has the window's size and is not blank: enough
/// pixels off the background colour, and more than one other colour.
fn assert_not_blank(png_path: &Path, width: u32, height: u32) {
    let bytes = fs::read(png_path).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (width, height), "{}", png_path.display());
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let mut counts = std::collections::HashMap::new();
    for p in &pixels {
        *counts.entry(*p).or_insert(0usize) += 1;
    }
    let background = counts.values().max().copied().unwrap_or(0);
    let ink = pixels.len() - background;
    assert!(ink * 50 > pixels.len(), "{}: only {ink} of {} pixels drawn", png_path.display(), pixels.len());
    assert!(counts.len() > 16, "{}: only {} colours", png_path.display(), counts.len());
}

#[test]
fn browser_renders_the_seed_report_at_desktop_and_phone_sizes() {
    if !chromium_available() {
        let why = "`chromium` is not on PATH (Debian: apt-get install -y chromium)";
        assert!(std::env::var_os("CI").is_none(), "CI is set and {why}");
        eprintln!("browser test skipped: {why}");
        return;
    }
    let html = report(crate_dir(), &[SEED], 1);
    let tmp = tempfile::Builder::new().prefix("doublet-browser-").tempdir().unwrap();
    let page = tmp.path().join("report.html");
    fs::write(&page, &html).unwrap();
    let phone = tmp.path().join("phone.html");
    fs::write(&phone, PHONE).unwrap();
    let url = |p: &Path| format!("file://{}", p.display());
    let profile = tmp.path().join("profile");

    // The DOM after the scripts ran: both copies are there.
    let mut dump = chromium(&profile, 1280, 900);
    dump.arg("--dump-dom").arg(url(&page));
    let dom = run_bounded(dump);
    for loc in ["corpus/newspaper-page.txt:79:1", "corpus/newspaper-page.txt:83:1"] {
        assert!(dom.contains(loc), "{loc} not in the rendered page");
    }
    assert_eq!(dom.matches("class=\"copy\"").count(), 2);
    assert!(dom.contains("<html lang=\"en\" class=\" js\">"), "the report's script did not run");

    // On a phone the page does not scroll sideways.
    let mut dump = chromium(&profile, 390, 844);
    dump.arg("--allow-file-access-from-files").arg("--dump-dom").arg(url(&phone));
    let dom = run_bounded(dump);
    let (scroll, client) = (dom_number(&dom, "data-scroll-width"), dom_number(&dom, "data-client-width"));
    assert_eq!(client, 390, "the frame is a phone's width");
    assert!(scroll <= client, "the phone page scrolls sideways: {scroll} > {client}");
    assert!(dom.contains("data-classes=\" js\""), "the report's script did not run in the frame");

    // Screenshots that are not blank.
    let mut shots: Vec<PathBuf> = Vec::new();
    for (name, w, h, target) in [("desktop", 1280, 900, &page), ("phone", 390, 844, &phone)] {
        let png_path = tmp.path().join(format!("{name}.png"));
        let mut shot = chromium(&profile, w, h);
        shot.arg("--allow-file-access-from-files").arg(format!("--screenshot={}", png_path.display())).arg(url(target));
        run_bounded(shot);
        assert_not_blank(&png_path, w, h);
        shots.push(png_path);
    }
    if std::env::var_os("DOUBLET_UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
        let docs = crate_dir().join("docs");
        fs::create_dir_all(&docs).unwrap();
        // Atomically: a temporary file beside the target, then a rename.
        let target = docs.join("html-report.png");
        let partial = docs.join(".html-report.png.tmp");
        fs::copy(&shots[0], &partial).unwrap();
        fs::rename(&partial, &target).unwrap();
        eprintln!("wrote {}", target.display());
    }
}

#[test]
fn layout_breaks_are_listed_with_links_to_their_lines() {
    let page = parse(&report(crate_dir(), &["--check", "breaks", SEED], 1));
    let breaks = page.all(|e| e.attr("id") == Some("breaks"));
    assert_eq!(breaks.len(), 1);
    let items = breaks[0].by_name("li");
    assert_eq!(items.len(), 10, "the page's ten cut paragraphs");
    for li in items {
        let href = li.by_class("loc")[0].attr("href").unwrap();
        assert!(href.starts_with("corpus/newspaper-page.txt#L"), "{href}");
        assert!(li.text().contains(" ⏎ "));
    }
    let summary = page.all(|e| e.attr("id") == Some("summary"))[0].text();
    assert!(summary.contains("Layout breaks10"), "{summary}");
}
