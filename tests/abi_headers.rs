//! The C headers, the library and `zx-sys` name the same things.
//!
//! `build.rs` already checks every value, layout and prototype of `zx-sys` against the
//! headers (`abi_check.c`); these tests check the other directions: nothing in
//! `include/zircon/` that `zx-sys` does not know, every call exported by `libzircon.so`,
//! every call declared, and every header usable on its own from C and C++.
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::process::Command;
use zx_suite::cprog;
use zx_sys::{CALLS, CONSTANTS};

/// Function-like `ZX_` macros: helpers with no single value, so not in `zx_sys::CONSTANTS`.
const FUNCTION_LIKE_MACROS: &[&str] = &[
    "ZX_NSEC",
    "ZX_USEC",
    "ZX_MSEC",
    "ZX_SEC",
    "ZX_MIN",
    "ZX_HOUR",
    "ZX_INFO_VMO_TYPE",
];

/// Every header under `include/zircon/`, by path relative to `include/`, with its text.
fn headers() -> BTreeMap<String, String> {
    fn walk(dir: &Path, include: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, include, out);
            } else if path.extension().is_some_and(|e| e == "h") {
                let rel = path
                    .strip_prefix(include)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let include = cprog::include_dir();
    let mut out = BTreeMap::new();
    walk(&include.join("zircon"), &include, &mut out);
    assert!(
        out.len() >= 13,
        "expected the zircon headers in {}",
        include.display()
    );
    out
}

/// The text without comments, with backslash-continued lines joined.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").expect("unterminated comment");
            out.push(' ');
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |end| &after[end..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.replace("\\\n", " ")
}

/// `(name, function_like)` of every `#define ZX_...` in `text`.
fn zx_macros(text: &str) -> Vec<(String, bool)> {
    strip_comments(text)
        .lines()
        .filter_map(|line| {
            let rest = line
                .trim_start()
                .strip_prefix('#')?
                .trim_start()
                .strip_prefix("define")?;
            let rest = rest.trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            name.starts_with("ZX_")
                .then(|| (name.clone(), rest[name.len()..].starts_with('(')))
        })
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every identifier `zx_...` directly followed by `(` (declarations, definitions and calls).
fn zx_functions(text: &str) -> BTreeSet<String> {
    let text = strip_comments(text);
    let mut names = BTreeSet::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1]);
        if starts_word && text_at(&bytes, i, "zx_") {
            let end = (i..bytes.len())
                .find(|&j| !is_ident(bytes[j]))
                .unwrap_or(bytes.len());
            let after = (end..bytes.len()).find(|&j| !bytes[j].is_whitespace());
            if after.is_some_and(|j| bytes[j] == '(') {
                names.insert(bytes[i..end].iter().collect());
            }
            i = end;
        } else {
            i += 1;
        }
    }
    names
}

fn text_at(chars: &[char], at: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(at + k) == Some(&c))
}

/// Names of the `static inline` functions the headers define.
fn inline_functions(text: &str) -> BTreeSet<String> {
    let text = strip_comments(text);
    text.split("static inline")
        .skip(1)
        .filter_map(|def| {
            let paren = def.find('(')?;
            let head = def[..paren].trim_end();
            let start = head.rfind(|c: char| !is_ident(c)).map_or(0, |p| p + 1);
            Some(head[start..].to_string())
        })
        .collect()
}

/// (a) Every `ZX_` macro of the headers is an ABI constant of `zx-sys` (or a known helper
/// macro), lives in one header, and every `zx-sys` constant is defined by some header.
#[test]
fn every_header_macro_is_in_zx_sys() {
    let known: BTreeSet<&str> = CONSTANTS.iter().map(|c| c.name).collect();
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for (header, text) in headers() {
        for (name, function_like) in zx_macros(&text) {
            if function_like {
                if !FUNCTION_LIKE_MACROS.contains(&name.as_str()) {
                    problems.push(format!(
                        "{header}: function-like {name}() is neither in zx_sys::CONSTANTS nor \
                         in FUNCTION_LIKE_MACROS"
                    ));
                }
            } else if !known.contains(name.as_str()) {
                problems.push(format!(
                    "{header}: {name} is missing from zx_sys::CONSTANTS"
                ));
            }
            // Within one header a name may have one definition per #if branch.
            if let Some(first) = defined.insert(name.clone(), header.clone()) {
                if first != header {
                    problems.push(format!("{name} is defined in both {first} and {header}"));
                }
            }
        }
    }
    for name in &known {
        if !defined.contains_key(*name) {
            problems.push(format!(
                "zx_sys::CONSTANTS has {name}, which no header defines"
            ));
        }
    }
    for name in FUNCTION_LIKE_MACROS {
        if !defined.contains_key(*name) {
            problems.push(format!(
                "FUNCTION_LIKE_MACROS lists {name}, which no header defines"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// (b) Every call of `zx_sys::CALLS` is a symbol defined by the real `libzircon.so` (and by
/// the stub that stands in for another SDK's library).
#[test]
fn every_call_is_exported_by_libzircon() {
    for lib in [
        cprog::real_lib(),
        PathBuf::from(cprog::STUB_DIR).join("libzircon.so"),
    ] {
        let lib = lib.canonicalize().unwrap();
        let path = CString::new(lib.to_str().unwrap()).unwrap();
        // SAFETY: `path` is a NUL-terminated path; loading the library runs no user code
        // (neither library has constructors), and it is never unloaded.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(
            !handle.is_null(),
            "dlopen({}) failed: {}",
            lib.display(),
            dl_error()
        );
        let mut missing = Vec::new();
        for call in CALLS {
            let name = CString::new(call.name).unwrap();
            // SAFETY: `handle` is a live dlopen handle and `name` is NUL-terminated.
            let symbol = unsafe { libc::dlsym(handle, name.as_ptr()) };
            if symbol.is_null() {
                missing.push(call.name.to_string());
                continue;
            }
            // SAFETY: an all-zero Dl_info is valid; dladdr only writes into it.
            let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
            // SAFETY: `symbol` is an address dlsym returned; `info` is writable.
            let found = unsafe { libc::dladdr(symbol, &mut info) } != 0;
            // SAFETY: on success dli_fname is a NUL-terminated path owned by the loader.
            let file = found.then(|| unsafe { CStr::from_ptr(info.dli_fname) });
            let from_lib = file
                .and_then(|f| Path::new(f.to_str().ok()?).canonicalize().ok())
                .is_some_and(|f| f == lib);
            if !from_lib {
                missing.push(format!("{} (resolved to {file:?})", call.name));
            }
        }
        assert!(
            missing.is_empty(),
            "{} does not define: {}",
            lib.display(),
            missing.join(", ")
        );
    }
}

fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated message valid until the next dl call.
    let err = unsafe { libc::dlerror() };
    if err.is_null() {
        "(no dlerror)".into()
    } else {
        // SAFETY: checked non-null above.
        unsafe { CStr::from_ptr(err) }
            .to_string_lossy()
            .into_owned()
    }
}

/// (c) Every call of `zx_sys::CALLS` is declared by a header; and every function the
/// headers declare is either such a call or a `static inline` helper they define, so a
/// program can never see a declaration the library does not export.
#[test]
fn every_call_is_declared_and_nothing_else() {
    let headers = headers();
    let mut mentioned = BTreeSet::new();
    let mut inline = BTreeSet::new();
    for text in headers.values() {
        mentioned.extend(zx_functions(text));
        inline.extend(inline_functions(text));
    }
    let calls: BTreeSet<String> = CALLS.iter().map(|c| c.name.to_string()).collect();
    let undeclared: Vec<&String> = calls.difference(&mentioned).collect();
    assert!(
        undeclared.is_empty(),
        "calls no header declares: {undeclared:?}"
    );
    let unknown: Vec<&String> = mentioned
        .iter()
        .filter(|n| !calls.contains(*n) && !inline.contains(*n))
        .collect();
    assert!(
        unknown.is_empty(),
        "headers declare functions that are not in zx_sys::CALLS: {unknown:?}"
    );
    assert!(inline.contains("zx_deadline_after") && inline.contains("zx_time_add_duration"));
}

/// Each header compiles when it is the only one included, as C11 and as C++17, with
/// `-Wall -Wextra -Werror` (it includes what it uses).
#[test]
fn every_header_compiles_on_its_own() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("abi_headers");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for header in headers().keys() {
        let src = dir.join(format!("{}.c", header.replace(['/', '.'], "_")));
        std::fs::write(
            &src,
            format!("#include <{header}>\nint zx_header_check_anchor;\n"),
        )
        .unwrap();
        for (compiler, flags) in [
            ("cc", &["-std=c11"][..]),
            ("c++", &["-x", "c++", "-std=c++17"][..]),
        ] {
            let mut cmd = Command::new(compiler);
            cmd.args(flags)
                .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
                .arg(format!("-I{}", cprog::include_dir().display()))
                .arg(&src);
            let run = cprog::run_command(cmd, compiler);
            if !run.status.success() {
                failures.push(format!("<{header}> alone with {compiler}:\n{}", run.stderr));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
