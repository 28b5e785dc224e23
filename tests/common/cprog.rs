//! Running the C programs that `build.rs` compiles (`cbindings/tests/*.c`, `examples/demo.c`)
//! against the real `libzircon.so` or against the stub library with the shim preloaded.
//!
//! The programs are linked `-L<stub dir> -lzircon` with no rpath, so the dynamic linker
//! picks `libzircon.so` from `LD_LIBRARY_PATH`: [`Link::Real`] points it at the shim,
//! [`Link::StubWithPreload`] at the do-nothing stub while `LD_PRELOAD` supplies the shim
//! (what a binary built against another SDK sees), [`Link::StubOnly`] runs on the stub alone.
//! The C test programs print `PASS name` / `FAIL name: file:line expr` lines and a last line
//! `N passed, M failed`; [`check_c_test_program`] holds them to that protocol.
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Where `build.rs` put the compiled C programs.
pub const C_BIN_DIR: &str = env!("ZX_C_BIN_DIR");
/// Where `build.rs` put the stub `libzircon.so`.
pub const STUB_DIR: &str = env!("ZX_STUB_DIR");
/// The C test programs `build.rs` compiled (file stems of `cbindings/tests/*.c`).
pub const C_TESTS: &str = env!("ZX_C_TESTS");

/// A C program must finish within this time; a hang is reported as a failure.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The workspace root (`include/`, `cbindings/`, `examples/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The C headers, for `-I`.
pub fn include_dir() -> PathBuf {
    workspace_root().join("include")
}

/// The path of a program `build.rs` compiled: `handle`, `handle-cxx`, `demo`, ...
pub fn program(name: &str) -> PathBuf {
    let path = Path::new(C_BIN_DIR).join(name);
    assert!(
        path.is_file(),
        "{} is missing: build.rs compiles every cbindings/tests/*.c into {C_BIN_DIR}",
        path.display()
    );
    path
}

/// The real `libzircon.so` cargo built for this test run.
///
/// The test executable is `<target>/<profile>/deps/<name>-<hash>`; cargo writes the zx-shim
/// cdylib to `<target>/<profile>/deps/` when it is built as a dependency, and also to
/// `<target>/<profile>/` when zx-shim itself is built. The newer of the two wins.
pub fn real_lib() -> PathBuf {
    let exe = std::env::current_exe().expect("cannot locate the test executable");
    let deps = exe.parent().expect("test executable has no directory");
    let profile = deps
        .parent()
        .expect("test executable is not in <target>/<profile>/deps");
    let candidates = [deps.join("libzircon.so"), profile.join("libzircon.so")];
    let newest = candidates
        .iter()
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .max_by_key(|(modified, _)| *modified);
    match newest {
        Some((_, path)) => path.clone(),
        None => panic!(
            "the real libzircon.so is missing: looked for {} and {}. It is the zx-shim cdylib; \
             `cargo test` builds it as a dependency of zx-suite (or run `cargo build -p zx-shim`).",
            candidates[0].display(),
            candidates[1].display()
        ),
    }
}

/// The directory of [`real_lib`], for `-L` and `LD_LIBRARY_PATH`.
pub fn real_lib_dir() -> PathBuf {
    real_lib().parent().unwrap().to_path_buf()
}

/// How the dynamic linker resolves `libzircon.so` for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// `LD_LIBRARY_PATH=<dir of the real libzircon.so>`.
    Real,
    /// `LD_LIBRARY_PATH=<stub dir>` and `LD_PRELOAD=<real libzircon.so>`.
    StubWithPreload,
    /// `LD_LIBRARY_PATH=<stub dir>`, nothing preloaded.
    StubOnly,
    /// Neither variable set.
    Nothing,
}

/// What a program did.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// A readable account of the run for assertion messages.
    pub fn describe(&self, what: &str) -> String {
        format!(
            "{what} exited with {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `exe` with `libzircon.so` resolved as `link` says; panics if it takes longer than
/// two minutes.
pub fn run(exe: &Path, link: Link) -> Run {
    let mut cmd = Command::new(exe);
    cmd.env_remove("LD_PRELOAD").env_remove("LD_LIBRARY_PATH");
    match link {
        Link::Real => {
            cmd.env("LD_LIBRARY_PATH", real_lib_dir());
        }
        Link::StubWithPreload => {
            cmd.env("LD_LIBRARY_PATH", STUB_DIR)
                .env("LD_PRELOAD", real_lib());
        }
        Link::StubOnly => {
            cmd.env("LD_LIBRARY_PATH", STUB_DIR);
        }
        Link::Nothing => {}
    }
    run_command(cmd, &exe.display().to_string())
}

/// Runs `cmd` to completion with captured output and a timeout.
pub fn run_command(mut cmd: Command, what: &str) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a C program") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        status,
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    }
}

/// The counts of a test program's last line, `N passed, M failed`, if the output follows
/// the runner protocol (and the PASS/FAIL lines agree with the counts).
pub fn parse_report(stdout: &str) -> Result<(usize, usize), String> {
    let last = stdout.lines().last().ok_or("no output")?;
    let counts: Vec<&str> = last.split(' ').collect();
    let (passed, failed) = match counts.as_slice() {
        [p, "passed,", f, "failed"] => (
            p.parse::<usize>()
                .map_err(|e| format!("bad pass count in {last:?}: {e}"))?,
            f.parse::<usize>()
                .map_err(|e| format!("bad fail count in {last:?}: {e}"))?,
        ),
        _ => return Err(format!("last line is not `N passed, M failed`: {last:?}")),
    };
    let pass_lines = stdout.lines().filter(|l| l.starts_with("PASS ")).count();
    if pass_lines != passed {
        return Err(format!(
            "{pass_lines} PASS lines but the summary says {passed}"
        ));
    }
    let failing_tests: std::collections::BTreeSet<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .filter_map(|l| l.split(':').next())
        .collect();
    if failing_tests.len() != failed {
        return Err(format!(
            "{} tests printed FAIL lines but the summary says {failed}",
            failing_tests.len()
        ));
    }
    Ok((passed, failed))
}

/// Runs the C test program `name` against the real shim, then linked to the stub with the
/// shim preloaded; both runs must pass every test and print exactly the same lines.
pub fn check_c_test_program(name: &str) {
    let exe = program(name);
    let real = run(&exe, Link::Real);
    let what = format!("{name} (LD_LIBRARY_PATH=real libzircon.so)");
    match parse_report(&real.stdout) {
        Ok((passed, 0)) if passed > 0 && real.status.success() => {}
        Ok(_) => panic!("{}", real.describe(&format!("{what}: tests failed;"))),
        Err(e) => panic!("{}", real.describe(&format!("{what}: {e};"))),
    }

    let preload = run(&exe, Link::StubWithPreload);
    assert!(
        preload.status.success() && preload.stdout == real.stdout,
        "{name} behaves differently when linked against the stub libzircon.so with the real \
         one in LD_PRELOAD.\n{}\n{}",
        real.describe("with the real library:"),
        preload.describe("stub + LD_PRELOAD:")
    );
}
