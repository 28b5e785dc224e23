//! Build script of zx-suite: holds the C headers to the ABI table and builds the C programs.
//!
//! `zx-sys` is the one source of truth for the ABI. From its tables this script generates,
//! into `OUT_DIR`:
//!
//! 1. `abi_check.c`: one static assertion per constant value, scalar type, struct size,
//!    alignment and field offset, and one typed function-pointer initialisation per call.
//!    It is compiled against `include/` as C11 and as C++17 with `-Wall -Wextra -Werror`,
//!    so a header that drifts from `zx-sys` fails the build, naming the item.
//! 2. `stub/libzircon.so`: a library with every exported name of `zx_sys::CALLS` that
//!    does nothing (`ZX_ERR_NOT_SUPPORTED`, `ZX_HANDLE_INVALID`, 0 or `"(stub)"`), like the
//!    `libzircon.so` of another SDK. The C programs link against it, so running them with
//!    `LD_PRELOAD=<real libzircon.so>` proves that preloading the shim is enough.
//! 3. `cbin/`: every `cbindings/tests/*.c` built as C11 and as C++17 (`<name>-cxx`), and
//!    `examples/demo.c` and `examples/iob.c` (`demo`, `iob-example`), each linked
//!    `-L<stub dir> -lzircon` with no rpath.
//!
//! The tests find them through `ZX_C_BIN_DIR`, `ZX_STUB_DIR` and `ZX_C_TESTS`.
//! Compilers: `$CC` (default `cc`) and `$CXX` (default `c++`), run directly; no `cc` crate
//! is needed for a handful of fixed command lines.
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use zx_sys::{AbiCall, CALLS, CONSTANTS, STRUCTS};

/// Flags every C compilation uses.
const C_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror"];
/// Flags every C++ compilation uses (the sources are `.c` files, hence `-x c++`).
const CXX_FLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Werror"];

fn main() {
    let root = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env("OUT_DIR"));
    for path in [
        "include",
        "cbindings",
        "examples/demo.c",
        "examples/iob.c",
        "build.rs",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=CXX");

    let tools = Tools {
        cc: std::env::var("CC").unwrap_or_else(|_| "cc".into()),
        cxx: std::env::var("CXX").unwrap_or_else(|_| "c++".into()),
        include: root.join("include"),
    };
    let stub_dir = out.join("stub");
    let bin_dir = out.join("cbin");
    let _ = fs::remove_dir_all(&bin_dir);
    create_dir(&stub_dir);
    create_dir(&bin_dir);

    // Stage 1: the header agreement check (C and C++) and the stub library.
    let check = AbiCheck::generate();
    let check_src = out.join("abi_check.c");
    write(&check_src, &check.source);
    let stub_src = stub_dir.join("stub.c");
    write(&stub_src, &stub_source());
    let mut check_c = tools.c(&check_src);
    check_c.arg("-c").arg("-o").arg(out.join("abi_check.o"));
    let mut check_cxx = tools.cxx(&check_src);
    check_cxx
        .arg("-c")
        .arg("-o")
        .arg(out.join("abi_check_cxx.o"));
    let mut stub = tools.c(&stub_src);
    stub.args(["-shared", "-fPIC", "-o"])
        .arg(stub_dir.join("libzircon.so"));
    let results = run_jobs(vec![
        Job::new("abi_check.c as C11", check_c),
        Job::new("abi_check.c as C++17", check_cxx),
        Job::new("stub libzircon.so", stub),
    ]);
    let mut failures = Vec::new();
    let mut drift_reported = false;
    for (label, result) in results {
        match result {
            Ok(()) => {}
            // Both languages see the same drift: explain it once.
            Err(_) if label.starts_with("abi_check") && drift_reported => {
                failures.push(format!("{label} fails too (same drift)."));
            }
            Err(output) if label.starts_with("abi_check") => {
                failures.push(check.explain(&label, &output));
                drift_reported = true;
            }
            Err(output) => failures.push(format!("{label} failed to build:\n{output}")),
        }
    }
    fail_if_any(&failures);

    // Stage 2: the C test programs (C11 and C++17) and the examples, linked against the stub.
    let mut jobs = Vec::new();
    let mut names = Vec::new();
    for src in c_test_sources(&root.join("cbindings/tests")) {
        let name = src.file_stem().unwrap().to_string_lossy().into_owned();
        jobs.push(Job::new(
            format!("cbindings/tests/{name}.c as C11"),
            tools.link_stub(tools.c(&src), &bin_dir.join(&name), &stub_dir),
        ));
        jobs.push(Job::new(
            format!("cbindings/tests/{name}.c as C++17"),
            tools.link_stub(
                tools.cxx(&src),
                &bin_dir.join(format!("{name}-cxx")),
                &stub_dir,
            ),
        ));
        names.push(name);
    }
    // `iob` is also a C test program's name: the example's binary is `iob-example`.
    for (example, exe) in [("demo", "demo"), ("iob", "iob-example")] {
        let src = root.join(format!("examples/{example}.c"));
        jobs.push(Job::new(
            format!("examples/{example}.c as C11"),
            tools.link_stub(tools.c(&src), &bin_dir.join(exe), &stub_dir),
        ));
    }
    let failures: Vec<String> = run_jobs(jobs)
        .into_iter()
        .filter_map(|(label, result)| {
            result
                .err()
                .map(|e| format!("{label} failed to build:\n{e}"))
        })
        .collect();
    fail_if_any(&failures);

    println!("cargo:rustc-env=ZX_C_BIN_DIR={}", bin_dir.display());
    println!("cargo:rustc-env=ZX_STUB_DIR={}", stub_dir.display());
    println!("cargo:rustc-env=ZX_C_TESTS={}", names.join(","));
}

// ---- abi_check.c ---------------------------------------------------------------------

/// The generated check and, for each of its lines, the ABI item it checks (so compiler
/// errors can be reported by item).
struct AbiCheck {
    source: String,
    items: Vec<Option<String>>,
}

impl AbiCheck {
    fn generate() -> AbiCheck {
        let mut check = AbiCheck {
            source: String::new(),
            items: Vec::new(),
        };
        check.line(
            None,
            "/* Generated by build.rs from zx-sys. Do not edit. */",
        );
        for header in [
            "syscalls.h",
            "process.h",
            "status.h",
            "syscalls-next.h",
            "features.h",
        ] {
            check.line(None, &format!("#include <zircon/{header}>"));
        }
        check.line(None, "#include <stddef.h>\n#include <stdint.h>");
        check.line(
            None,
            "#ifdef __cplusplus\n#include <type_traits>\n\
             #define ABI_ASSERT(e, msg) static_assert(e, msg)\n\
             #define ABI_ALIGNOF(T) alignof(T)\n\
             #define ABI_SAME_TYPE(T, U) (std::is_same<T, U>::value)\n\
             #else\n\
             #define ABI_ASSERT(e, msg) _Static_assert(e, msg)\n\
             #define ABI_ALIGNOF(T) _Alignof(T)\n\
             #define ABI_SAME_TYPE(T, U) _Generic((T)0, U: 1, default: 0)\n\
             #endif",
        );

        for (name, c_type) in scalar_types() {
            check.assert(
                &format!("type {name}"),
                &format!("ABI_SAME_TYPE({name}, {c_type})"),
                &format!("{name} must be {c_type}"),
            );
        }
        for constant in CONSTANTS {
            let value = c_literal(constant.value);
            let shown = if constant.value >= 0 {
                format!("{} = {:#x}", constant.value, constant.value)
            } else {
                constant.value.to_string()
            };
            check.assert(
                &format!("constant {} (zx-sys value {shown})", constant.name),
                &format!("({}) == ({value})", constant.name),
                &format!("{} must be {}", constant.name, constant.value),
            );
        }
        for s in STRUCTS {
            let name = s.name;
            check.assert(
                &format!("struct {name}: size (zx-sys {})", s.size),
                &format!("sizeof({name}) == {}", s.size),
                &format!("sizeof({name}) must be {}", s.size),
            );
            check.assert(
                &format!("struct {name}: alignment (zx-sys {})", s.align),
                &format!("ABI_ALIGNOF({name}) == {}", s.align),
                &format!("alignof({name}) must be {}", s.align),
            );
            for (field, offset) in s.fields {
                check.assert(
                    &format!("struct {name}: field {field} (zx-sys offset {offset})"),
                    &format!("offsetof({name}, {field}) == {offset}"),
                    &format!("offsetof({name}, {field}) must be {offset}"),
                );
            }
        }

        // A typed function-pointer initialisation per call: any difference in return or
        // parameter types is an error (C with -Werror, C++ always).
        check.line(
            None,
            "void zx_abi_check_calls(void);\nvoid zx_abi_check_calls(void) {",
        );
        for call in CALLS {
            let params: Vec<String> = call.params.iter().map(|(_, ty)| c_type(ty, call)).collect();
            let params = if params.is_empty() {
                "void".to_string()
            } else {
                params.join(", ")
            };
            check.line(
                Some(format!(
                    "call {} (prototype differs from zx-sys)",
                    call.name
                )),
                &format!(
                    "  {{ {} (*fn)({params}) = {}; (void)fn; }}",
                    c_type(call.ret, call),
                    call.name
                ),
            );
        }
        check.line(None, "}");
        check
    }

    fn line(&mut self, item: Option<String>, text: &str) {
        for line in text.lines() {
            self.source.push_str(line);
            self.source.push('\n');
            self.items.push(item.clone());
        }
    }

    fn assert(&mut self, item: &str, expr: &str, msg: &str) {
        self.line(
            Some(item.to_string()),
            &format!("ABI_ASSERT({expr}, \"zircon headers drift from zx-sys: {msg}\");"),
        );
    }

    /// The items named by the compiler's errors, then its full output.
    fn explain(&self, label: &str, output: &str) -> String {
        let mut drifting = BTreeSet::new();
        for line in output.lines() {
            let Some(rest) = line.split("abi_check.c:").nth(1) else {
                continue;
            };
            let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = number.parse::<usize>() {
                if let Some(Some(item)) = self.items.get(n.wrapping_sub(1)) {
                    drifting.insert(item.clone());
                }
            }
        }
        let mut msg = format!(
            "the C headers in include/zircon/ disagree with zx-sys, the ABI source of truth \
             ({label} failed).\n"
        );
        if drifting.is_empty() {
            msg.push_str("No single item identified (a header may not compile at all).\n");
        } else {
            msg.push_str("Drifting items:\n");
            for item in &drifting {
                let _ = writeln!(msg, "  - {item}");
            }
        }
        let _ = write!(msg, "Compiler output:\n{output}");
        msg
    }
}

/// The C type each scalar typedef must be, checked against zx-sys's Rust alias.
fn scalar_types() -> Vec<(&'static str, &'static str)> {
    macro_rules! scalars {
        ($($name:ident => $c:literal),* $(,)?) => {
            vec![$( {
                let rust = std::any::type_name::<zx_sys::$name>();
                let spellings = primitive_c_type(rust).unwrap_or_else(|| panic!(
                    "zx_sys::{} is {rust}, which build.rs cannot express in C",
                    stringify!($name)
                ));
                assert!(
                    spellings.contains(&$c),
                    "build.rs says {} is {} but zx_sys::{} is {rust}",
                    stringify!($name), $c, stringify!($name)
                );
                (stringify!($name), $c)
            } ),*]
        };
    }
    scalars! {
        zx_handle_t => "uint32_t",
        zx_status_t => "int32_t",
        zx_rights_t => "uint32_t",
        zx_signals_t => "uint32_t",
        zx_koid_t => "uint64_t",
        zx_vm_option_t => "uint32_t",
        zx_vaddr_t => "uintptr_t",
        zx_paddr_t => "uintptr_t",
        zx_gpaddr_t => "uintptr_t",
        zx_off_t => "uint64_t",
        zx_obj_type_t => "uint32_t",
        zx_object_info_topic_t => "uint32_t",
        zx_packet_type_t => "uint32_t",
        zx_time_t => "int64_t",
        zx_instant_mono_t => "int64_t",
        zx_duration_t => "int64_t",
        zx_iob_discipline_type_t => "uint64_t",
        zx_iob_region_type_t => "uint32_t",
        zx_iob_access_t => "uint32_t",
        zx_iob_write_options_t => "uint64_t",
        zx_iob_allocate_id_options_t => "uint32_t",
    }
}

/// The C spellings of a Rust primitive.
fn primitive_c_type(rust: &str) -> Option<&'static [&'static str]> {
    Some(match rust {
        "u8" => &["uint8_t"],
        "u16" => &["uint16_t"],
        "u32" => &["uint32_t"],
        "u64" => &["uint64_t"],
        "i8" => &["int8_t"],
        "i16" => &["int16_t"],
        "i32" => &["int32_t"],
        "i64" => &["int64_t"],
        "usize" => &["size_t", "uintptr_t"],
        "isize" => &["ptrdiff_t", "intptr_t"],
        _ => return None,
    })
}

/// A C literal for a constant's value, typed wide enough for any comparison.
fn c_literal(value: i128) -> String {
    if value == i64::MIN as i128 {
        "(-9223372036854775807LL - 1)".to_string()
    } else if value >= i64::MIN as i128 && value <= i64::MAX as i128 {
        format!("{value}LL")
    } else if value >= 0 && value <= u64::MAX as i128 {
        format!("{value}ULL")
    } else {
        panic!("constant value {value} does not fit a C integer literal")
    }
}

/// Translates a Rust-spelled type of `zx_sys::CALLS` (`*mut zx_handle_t`, `usize`) to C.
fn c_type(rust: &str, call: &AbiCall) -> String {
    let rust = rust.trim();
    if let Some(rest) = rust.strip_prefix('*') {
        let rest = rest.trim_start();
        if let Some(inner) = rest.strip_prefix("mut ") {
            return format!("{}*", c_type(inner, call));
        }
        if let Some(inner) = rest.strip_prefix("const ") {
            return format!("const {}*", c_type(inner, call));
        }
    }
    match rust {
        "c_void" | "core::ffi::c_void" | "std::ffi::c_void" => "void".into(),
        "c_char" | "core::ffi::c_char" | "std::ffi::c_char" => "char".into(),
        t if t.starts_with("zx_") && t.ends_with("_t") => t.into(),
        t => match primitive_c_type(t) {
            Some(c) => c[0].into(),
            None => panic!("build.rs cannot translate type `{t}` of {} to C", call.name),
        },
    }
}

// ---- The stub library ------------------------------------------------------------------

/// C source of the stub `libzircon.so`. It must not include the zircon headers
/// (`zx_deadline_after` is a static inline there), so it uses plain C types.
fn stub_source() -> String {
    let plain: Vec<(&str, &str)> = scalar_types();
    let plain_type = |rust: &str, call: &AbiCall| -> String {
        let rust = rust.trim();
        if let Some(rest) = rust.strip_prefix('*') {
            let rest = rest.trim_start();
            return match (rest.starts_with("const"), rest.ends_with("c_char")) {
                (true, true) => "const char*",
                (false, true) => "char*",
                (true, false) => "const void*",
                (false, false) => "void*",
            }
            .into();
        }
        match plain.iter().find(|(name, _)| *name == rust) {
            Some((_, c)) => (*c).into(),
            None if rust.starts_with("zx_") => panic!(
                "{} uses {rust}: add it to scalar_types() in build.rs",
                call.name
            ),
            None => c_type(rust, call),
        }
    };
    let mut src = String::from(
        "/* Generated by build.rs from zx_sys::CALLS: a libzircon.so that implements nothing,\n \
         * as one built for another SDK would look to the dynamic linker. Do not edit. */\n\
         #include <stddef.h>\n#include <stdint.h>\n\
         #define STUB_EXPORT __attribute__((visibility(\"default\")))\n",
    );
    for call in CALLS {
        let params: Vec<String> = call
            .params
            .iter()
            .map(|(name, ty)| format!("{} {name}", plain_type(ty, call)))
            .collect();
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        let unused: String = call
            .params
            .iter()
            .map(|(name, _)| format!("(void){name}; "))
            .collect();
        let ret = plain_type(call.ret, call);
        let value = match call.ret.trim() {
            "zx_status_t" => zx_sys::ZX_ERR_NOT_SUPPORTED.to_string(),
            "zx_handle_t" => zx_sys::ZX_HANDLE_INVALID.to_string(),
            r if r.starts_with('*') && r.ends_with("c_char") => "\"(stub)\"".into(),
            r if r.starts_with('*') => "NULL".into(),
            _ => "0".into(),
        };
        let _ = writeln!(
            src,
            "STUB_EXPORT {ret} {}({params}) {{ {unused}return {value}; }}",
            call.name
        );
    }
    src
}

// ---- Compiling ---------------------------------------------------------------------------

struct Tools {
    cc: String,
    cxx: String,
    include: PathBuf,
}

impl Tools {
    fn c(&self, src: &Path) -> Command {
        let mut cmd = Command::new(&self.cc);
        cmd.args(C_FLAGS)
            .arg("-O1")
            .arg("-I")
            .arg(&self.include)
            .arg(src);
        cmd
    }

    fn cxx(&self, src: &Path) -> Command {
        let mut cmd = Command::new(&self.cxx);
        cmd.args(CXX_FLAGS).arg("-O1").arg("-I").arg(&self.include);
        cmd.arg("-x").arg("c++").arg(src).arg("-x").arg("none");
        cmd
    }

    /// Links against the stub: `-L<stub> -lzircon`, and deliberately no rpath.
    fn link_stub(&self, mut cmd: Command, exe: &Path, stub_dir: &Path) -> Command {
        cmd.arg("-o")
            .arg(exe)
            .arg("-L")
            .arg(stub_dir)
            .arg("-lzircon");
        cmd
    }
}

struct Job {
    label: String,
    cmd: Command,
}

impl Job {
    fn new(label: impl Into<String>, cmd: Command) -> Job {
        Job {
            label: label.into(),
            cmd,
        }
    }
}

/// Runs the jobs on a few threads (the machine is shared); returns each label with `Ok` or
/// the command line and compiler output.
fn run_jobs(jobs: Vec<Job>) -> Vec<(String, Result<(), String>)> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let next = AtomicUsize::new(0);
    let jobs: Vec<Mutex<Job>> = jobs.into_iter().map(Mutex::new).collect();
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let mut job = job.lock().unwrap();
                let result = match job.cmd.output() {
                    Ok(out) if out.status.success() => Ok(()),
                    Ok(out) => Err(format!(
                        "$ {:?}\n{}{}",
                        job.cmd,
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    )),
                    Err(e) => Err(format!(
                        "cannot run {:?}: {e}. zx-suite's build.rs needs a C11 and a C++17 \
                         compiler (set CC / CXX to choose them).",
                        job.cmd.get_program()
                    )),
                };
                results.lock().unwrap().push((i, job.label.clone(), result));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _, _)| *i);
    results
        .into_iter()
        .map(|(_, label, result)| (label, result))
        .collect()
}

fn fail_if_any(failures: &[String]) {
    if !failures.is_empty() {
        panic!("\n\n{}\n", failures.join("\n\n"));
    }
}

fn c_test_sources(dir: &Path) -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
        .collect();
    sources.sort();
    sources
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo did not set {name}"))
}

fn create_dir(dir: &Path) {
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
}

fn write(path: &Path, contents: &str) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
