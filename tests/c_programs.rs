//! The C side, run: every `cbindings/tests/*.c` program (built by `build.rs` as C11 and as
//! C++17) against the real `libzircon.so` and, linked to the stub, with the shim in
//! `LD_PRELOAD`; the user-facing link line; and the examples (the demo, the IOBuffer one).
use std::path::PathBuf;
use std::process::Command;
use zx_suite::cprog::{self, check_c_test_program, program, run, Link};

macro_rules! c_test_programs {
    ($($name:ident),* $(,)?) => {
        /// The C test programs that have a Rust test here.
        const PROGRAMS: &[&str] = &[$(stringify!($name)),*];

        /// One test per program and language, so a failure names the program.
        mod c11 {
            $(
                #[test]
                fn $name() {
                    super::check_c_test_program(stringify!($name));
                }
            )*
        }

        mod cxx17 {
            $(
                #[test]
                fn $name() {
                    super::check_c_test_program(concat!(stringify!($name), "-cxx"));
                }
            )*
        }
    };
}

c_test_programs!(handle, headers, iob, object, system, vmar, vmo);

/// A new `cbindings/tests/*.c` must get its line in `c_test_programs!` above.
#[test]
fn every_c_test_program_has_a_rust_test() {
    let built: Vec<&str> = cprog::C_TESTS
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    let mut listed = PROGRAMS.to_vec();
    listed.sort_unstable();
    assert_eq!(
        built, listed,
        "cbindings/tests/*.c and c_test_programs! disagree"
    );
}

/// The stub really implements nothing: on it alone the tests fail and the demo stops at its
/// first call, so the passing `LD_PRELOAD` runs are the shim's doing.
#[test]
fn stub_alone_implements_nothing() {
    let system = run(&program("system"), Link::StubOnly);
    assert!(
        !system.status.success(),
        "{}",
        system.describe("system on the stub")
    );
    assert!(
        system
            .stdout
            .contains("FAIL page_size_is_the_host_page_size"),
        "{}",
        system.describe("system on the stub")
    );
    let (passed, failed) = cprog::parse_report(&system.stdout).unwrap();
    assert_eq!(passed, 0, "{}", system.describe("system on the stub"));
    assert!(failed > 0);

    let demo = run(&program("demo"), Link::StubOnly);
    assert_eq!(
        demo.status.code(),
        Some(1),
        "{}",
        demo.describe("demo on the stub")
    );
    assert!(
        demo.stderr.contains("zx_vmo_create failed: (stub) (-2)"),
        "{}",
        demo.describe("demo on the stub")
    );
}

/// The programs need `libzircon.so` and carry no rpath: with no `LD_LIBRARY_PATH` the
/// dynamic linker cannot find it.
#[test]
fn programs_need_libzircon_and_have_no_rpath() {
    for name in ["system", "system-cxx", "demo", "iob-example"] {
        let exe = program(name);
        let mut cmd = Command::new("readelf");
        cmd.arg("-d").arg(&exe);
        let dynamic = cprog::run_command(cmd, "readelf -d");
        assert!(dynamic.status.success(), "{}", dynamic.describe("readelf"));
        assert!(
            dynamic.stdout.contains("Shared library: [libzircon.so]"),
            "{name} does not need libzircon.so:\n{}",
            dynamic.stdout
        );
        assert!(
            !dynamic.stdout.contains("(RPATH)") && !dynamic.stdout.contains("(RUNPATH)"),
            "{name} has an rpath:\n{}",
            dynamic.stdout
        );
        let bare = run(&exe, Link::Nothing);
        assert!(!bare.status.success(), "{}", bare.describe(name));
        assert!(
            bare.stderr.contains("libzircon.so"),
            "{}",
            bare.describe(name)
        );
    }
}

/// The link line a user types, `cc prog.c -Iinclude -L<dir> -lzircon`, against the real
/// library, produces a working program (here the `system` C test).
#[test]
fn user_link_line_builds_and_runs() {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("user_link_line");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("system");
    let src = cprog::workspace_root().join("cbindings/tests/system.c");
    let mut cc = Command::new("cc");
    cc.arg(&src)
        .arg(format!("-I{}", cprog::include_dir().display()))
        .arg(format!("-L{}", cprog::real_lib_dir().display()))
        .arg("-lzircon")
        .arg("-o")
        .arg(&exe);
    let build = cprog::run_command(cc, "cc");
    assert!(
        build.status.success(),
        "{}",
        build.describe("cc system.c -lzircon")
    );

    let result = run(&exe, Link::Real);
    let report = cprog::parse_report(&result.stdout);
    assert!(
        matches!(report, Ok((passed, 0)) if passed > 0) && result.status.success(),
        "{report:?}\n{}",
        result.describe("system built with the user link line")
    );
}

/// The demo runs to the end and shows each step, against the real library and through
/// `LD_PRELOAD`.
#[test]
fn demo_runs_and_shows_each_step() {
    for link in [Link::Real, Link::StubWithPreload] {
        let demo = run(&program("demo"), link);
        let what = format!("demo ({link:?})");
        assert!(demo.status.success(), "{}", demo.describe(&what));
        for expected in [
            "created a VMO of 4096 bytes",
            "the mapping reads: \"Hello from a Zircon VMO!\"",
            "zx_vmo_read gives: \"Howdy from a Zircon VMO!\"",
            "VMO \"demo-greeting\": 4096 bytes, 4096 committed, 1 mapping(s)",
            "root VMAR: base 0x",
            "protected read-only, still reads: \"Howdy from a Zircon VMO!\"",
            "unmapped and closed: done",
        ] {
            assert!(
                demo.stdout.contains(expected),
                "missing {expected:?}\n{}",
                demo.describe(&what)
            );
        }
    }
}

/// The IOBuffer example runs to the end and shows data passing between the endpoints,
/// against the real library and through `LD_PRELOAD`.
#[test]
fn iob_example_passes_data_between_endpoints() {
    for link in [Link::Real, Link::StubWithPreload] {
        let example = run(&program("iob-example"), link);
        let what = format!("iob example ({link:?})");
        assert!(example.status.success(), "{}", example.describe(&what));
        for expected in [
            "created an IOBuffer with 2 regions",
            "endpoint 1 reads: \"ping from endpoint 0\"",
            "endpoint 0 reads: \"pong from endpoint 1\"",
            "endpoint 1 mapping the board read/write: ZX_ERR_ACCESS_DENIED",
            "endpoint 1 reads the board: \"notice: read-only for endpoint 1\"",
            "endpoint 1 sees region 1 with access 0x31",
            "endpoint 0's mapping reads: \"still shared after close\"",
            "unmapped: done",
        ] {
            assert!(
                example.stdout.contains(expected),
                "missing {expected:?}\n{}",
                example.describe(&what)
            );
        }
    }
}
