//! Differential test: the codec's Java `Double.toString` text against a real JVM.
//!
//! OTTPay's Java SDK hashes JSON numbers as Java prints a `double`; the verifier must produce
//! exactly that text. One `java` process checks a batch of random numbers.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use refundwire::canonical::write_java_double;
use refundwire::io::Cursor;
use std::process::Command;

const PROGRAM: &str = "public class JavaDouble { public static void main(String[] a) { \
    for (String s : a) System.out.println(Double.toString(Double.parseDouble(s))); } }";

/// JSON number texts of at most 12 significant digits below 10^15, across the plain/scientific
/// boundaries. (Beyond that, JDKs before 19 print some doubles with more digits than needed —
/// JDK-4511638 — so no single text is "Java's"; amounts never go there.)
fn number() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        0u64..1_000_000_000_000,
        0usize..14,
        proptest::option::of(-12i32..=3),
    )
        .prop_map(|(neg, digits, point, exp)| {
            let digits = digits.to_string();
            let mut text = String::new();
            if neg {
                text.push('-');
            }
            if point > 0 && point < digits.len() {
                text.push_str(&format!(
                    "{}.{}",
                    &digits[..digits.len() - point],
                    &digits[digits.len() - point..]
                ));
            } else {
                text.push_str(&digits);
            }
            if let Some(e) = exp {
                text.push_str(&format!("e{e}"));
            }
            text
        })
}

#[test]
fn matches_the_jvm() {
    let dir = std::env::temp_dir().join(format!("refundwire-java-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("JavaDouble.java"), PROGRAM).unwrap();
    let javac = Command::new("javac")
        .arg("JavaDouble.java")
        .current_dir(&dir)
        .status();
    assert!(
        javac.map(|s| s.success()).unwrap_or(false),
        "this test needs a JDK (javac) on PATH"
    );

    let mut runner = TestRunner::deterministic();
    let mut inputs: Vec<String> = [
        "1",
        "0",
        "-0",
        "0.001",
        "0.0009999",
        "9999999.5",
        "10000000",
        "1e-3",
        "1E7",
    ]
    .map(String::from)
    .to_vec();
    for _ in 0..2000 {
        inputs.push(number().new_tree(&mut runner).unwrap().current());
    }
    let out = Command::new("java")
        .arg("-cp")
        .arg(&dir)
        .arg("JavaDouble")
        .args(&inputs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = String::from_utf8(out.stdout).unwrap();
    for (input, want) in inputs.iter().zip(expected.lines()) {
        let mut buf = [0u8; 64];
        let mut c = Cursor::new(&mut buf);
        write_java_double(input, &mut c).unwrap();
        assert_eq!(
            std::str::from_utf8(c.finish()).unwrap(),
            want,
            "input {input}"
        );
    }
    assert_eq!(expected.lines().count(), inputs.len());
    let _ = std::fs::remove_dir_all(&dir);
}
