//! Runs every OTTPay and ScanForPay vector on the target: request cases must encode to the
//! exact expected bytes, reply cases must decode to the expected outcome. Measures the peak
//! stack of each operation (the deepest over its cases) and prints, through semihosting:
//!
//! ```text
//! stack_bytes <gateway>/<operation> N      one line per operation
//! instructions <gateway>/<operation> N     one line per operation (QEMU with -icount)
//! vectors N passed, M failed
//! ```
//!
//! Both figures are the largest over the operation's cases.
//!
//! QEMU exits with status 0 only if every vector passed.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use refundwire::crypto::{SecretKey, aes128_ecb_encrypt_in_place};
use refundwire::encoding::base64_encode;
use refundwire::gateway::{ottpay, scanforpay};
use refundwire::io::Cursor;
use refundwire::json::{JsonStr, Object};
use refundwire::time::Timestamp;
use refundwire::{RefundStatus, Reply, canonical};
use refundwire_firmware::vectors::*;
use refundwire_firmware::{exit, ops, stack};

/// The operations whose stack is reported, in the order of the report.
const OPERATIONS: [&str; 8] = [
    "ottpay/encode_refund",
    "ottpay/encode_refund_status_query",
    "ottpay/decode_refund",
    "ottpay/decode_refund_status",
    "scanforpay/encode_refund",
    "scanforpay/encode_order_query",
    "scanforpay/decode_refund",
    "scanforpay/decode_order_query",
];

struct Report {
    /// Vector cases that passed and failed.
    passed: u32,
    failed: u32,
    /// Measurements that could not be made (not vectors, but they fail the run too).
    unmeasured: u32,
    peak: [usize; OPERATIONS.len()],
    ticks: [u32; OPERATIONS.len()],
}

impl Report {
    fn check(&mut self, gateway: &str, case: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            hprintln!("FAILED {}/{}", gateway, case);
        }
    }

    /// Runs `f` as operation `op`, keeping the deepest stack and the longest time seen for it.
    fn measure<R>(&mut self, op: &str, f: impl FnOnce() -> R) -> R {
        let m = stack::measure(f);
        match OPERATIONS.iter().position(|o| *o == op) {
            Some(i) if !m.exhausted => {
                self.peak[i] = self.peak[i].max(m.stack_bytes);
                self.ticks[i] = self.ticks[i].max(m.ticks);
            }
            Some(_) => self.unmeasured(op, "ran out of stack"),
            None => self.unmeasured(op, "is not in OPERATIONS"),
        }
        m.result
    }

    fn unmeasured(&mut self, op: &str, why: &str) {
        self.unmeasured += 1;
        hprintln!("FAILED measurement: {} {}", op, why);
    }
}

/// `obj` has exactly the expected members, with the expected values.
fn same_members(obj: &Object<'_>, want: &[(&str, Member)]) -> bool {
    obj.len() == want.len()
        && want
            .iter()
            .all(|(name, member)| match (obj.get(name), member) {
                (Some(v), Member::Str(s)) => v.as_str().is_some_and(|j| j.eq_str(s)),
                (Some(v), Member::Number(n)) => v.as_number() == Some(*n),
                _ => false,
            })
}

/// The expected member `name`, as text (strings unescaped, numbers as sent).
fn member(want: &[(&str, Member)], name: &str) -> Option<&'static str> {
    want.iter().find(|(n, _)| *n == name).map(|(_, m)| match m {
        Member::Str(s) | Member::Number(s) => *s,
    })
}

/// A typed string field equals the expected member (both absent counts as equal).
fn same_text(got: Option<JsonStr<'_>>, want: Option<&str>) -> bool {
    match (got, want) {
        (Some(g), Some(w)) => g.eq_str(w),
        (None, None) => true,
        _ => false,
    }
}

/// OTTPay's `order_status` in neutral terms, as its protocol page maps it.
fn ottpay_order_status(wire: Option<&str>) -> Option<RefundStatus> {
    match wire? {
        "success" => Some(RefundStatus::Succeeded),
        "failure" | "orderclosed" => Some(RefundStatus::Failed),
        "init" | "notpay" | "canceling" => Some(RefundStatus::Pending),
        _ => Some(RefundStatus::Unknown),
    }
}

/// A typed amount equals the expected member's digits.
fn same_amount(got: u64, want: Option<&str>) -> bool {
    want.and_then(|w| w.parse::<u64>().ok()) == Some(got)
}

#[entry]
fn main() -> ! {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    let clock = stack::Clock::start(peripherals.SYST);
    let mut report = Report {
        passed: 0,
        failed: 0,
        unmeasured: 0,
        peak: [0; OPERATIONS.len()],
        ticks: [0; OPERATIONS.len()],
    };
    // Buffers live here, above the measured frames: the caller owns them, as in a terminal.
    let mut out = [0u8; scanforpay::REQUEST_MAX];
    let mut body = [0u8; 1024];

    if !stack_meter_reads_a_known_frame() {
        exit(false);
    }
    ottpay_worked(&mut report, &mut out);
    ottpay_requests(&mut report, &mut out);
    ottpay_responses(&mut report, &mut body);
    scanforpay_requests(&mut report, &mut out);
    scanforpay_responses(&mut report);

    for (op, bytes) in OPERATIONS.iter().zip(report.peak) {
        if bytes == 0 {
            report.unmeasured(op, "never ran");
        }
        hprintln!("stack_bytes {} {}", op, bytes);
    }
    for (op, ticks) in OPERATIONS.iter().zip(report.ticks) {
        if let Some(n) = clock.instructions(ticks) {
            hprintln!("instructions {} {}", op, n);
        }
    }
    hprintln!("vectors {} passed, {} failed", report.passed, report.failed);
    exit(report.failed == 0 && report.passed > 0 && report.unmeasured == 0)
}

/// The meter itself must be able to fail: a call that fills a 1 KiB array on its stack
/// measures at least 1 KiB, and not much more.
fn stack_meter_reads_a_known_frame() -> bool {
    const KNOWN: usize = 1024;
    let bytes = stack::measure(|| {
        let mut frame = [0x11u8; KNOWN];
        core::hint::black_box(&mut frame);
    })
    .stack_bytes;
    let ok = (KNOWN..=KNOWN + 128).contains(&bytes);
    if !ok {
        hprintln!(
            "stack meter: a {}-byte frame measured {} bytes",
            KNOWN,
            bytes
        );
    }
    ok
}

/// OTTPay's official worked example, step by step through the building blocks.
fn ottpay_worked(report: &mut Report, buf: &mut [u8]) {
    for case in OTTPAY_WORKED {
        let ok = (|| -> Option<bool> {
            let data = Object::parse(case.data_json.as_bytes()).ok()?;
            let mut c = Cursor::new(buf);
            canonical::sorted_values(&data, canonical::NumberForm::Plain, &mut c).ok()?;
            let sorted = c.finish() == case.sorted_values.as_bytes();
            let (md5, _) = ottpay::md5_of_values(&data, canonical::NumberForm::Plain).ok()?;
            let key = ottpay::aes_key(&md5, &SecretKey::new(case.sign_key.as_bytes()).ok()?);
            let plain = case.data_json.as_bytes();
            let (cipher, b64) = buf.split_at_mut(512);
            cipher.get_mut(..plain.len())?.copy_from_slice(plain);
            let cipher = aes128_ecb_encrypt_in_place(&key, cipher, plain.len()).ok()?;
            let b64 = base64_encode(cipher, b64).ok()?;
            Some(
                sorted
                    && md5 == case.md5.as_bytes()
                    && key.as_slice() == case.aes_key.as_bytes()
                    && b64 == case.data_b64,
            )
        })();
        report.check("ottpay", case.name, ok == Some(true));
    }
}

fn ottpay_requests(report: &mut Report, out: &mut [u8]) {
    let Ok(creds) = ottpay::Credentials::new(OTTPAY_MERCHANT_ID, OTTPAY_SIGN_KEY.as_bytes()) else {
        return report.check("ottpay", "credentials", false);
    };
    for case in OTTPAY_REQUESTS {
        let got = match case.action {
            OttpayAction::Refund {
                order_id,
                ori_order_id,
                refund_amt,
            } => {
                let request = ottpay::RefundRequest {
                    order_id,
                    ori_order_id,
                    refund_amt,
                };
                report.measure("ottpay/encode_refund", || {
                    ops::ottpay_encode_refund(&creds, &request, out)
                        .map(|b| b == case.body.as_bytes())
                })
            }
            OttpayAction::RefundStatusQuery { order_id } => {
                let query = ottpay::RefundStatusQuery { order_id };
                report.measure("ottpay/encode_refund_status_query", || {
                    ops::ottpay_encode_refund_status_query(&creds, &query, out)
                        .map(|b| b == case.body.as_bytes())
                })
            }
        };
        report.check("ottpay", case.name, got == Ok(true));
    }
}

fn ottpay_responses(report: &mut Report, buf: &mut [u8]) {
    let Ok(creds) = ottpay::Credentials::new(OTTPAY_MERCHANT_ID, OTTPAY_SIGN_KEY.as_bytes()) else {
        return report.check("ottpay", "credentials", false);
    };
    for case in OTTPAY_RESPONSES {
        // Replies are decrypted in place: each decode gets a fresh copy of the vector.
        let Some(body) = buf.get_mut(..case.body.len()) else {
            report.check("ottpay", case.name, false);
            continue;
        };
        body.copy_from_slice(case.body.as_bytes());
        let want = case.data;
        // Every reply case answers the same refund order.
        let expected = OTTPAY_REFUND_ORDER_ID;
        let ok = match case.kind {
            OttpayKind::Refund => {
                let got = report.measure("ottpay/decode_refund", || {
                    ops::ottpay_decode_refund(&creds, body, expected)
                });
                match (case.expect, got) {
                    (Expect::Ok, Ok(Reply::Accepted(r))) => {
                        same_members(&r.verified.data, want)
                            && Some(r.verified.md5_form) == case.md5_form
                            && same_text(r.order_id, member(want, "order_id"))
                            && same_text(r.trade_time, member(want, "trade_time"))
                            && same_amount(r.refund_amt, member(want, "refund_amt"))
                            // `rsp_code` is outside `md5`: a REFUND reply is never definite.
                            && ops::ottpay_refund_status(&r) == RefundStatus::Unknown
                    }
                    (Expect::GatewayError, Ok(Reply::Refused(r))) => {
                        // A refusal carries no `data`: unsigned, never definite.
                        Some(r.code.as_wire()) == case.rsp_code
                            && ops::refusal_status(&r) == RefundStatus::Unknown
                    }
                    (Expect::Error, Err(_)) => true,
                    _ => false,
                }
            }
            OttpayKind::RefundStatus => {
                let got = report.measure("ottpay/decode_refund_status", || {
                    ops::ottpay_decode_refund_status(&creds, body, expected)
                });
                match (case.expect, got) {
                    (Expect::Ok, Ok(Reply::Accepted(r))) => {
                        same_members(&r.verified.data, want)
                            && Some(r.verified.md5_form) == case.md5_form
                            && r.order_id
                                .eq_str(member(want, "order_id").unwrap_or_default())
                            && Some(r.order_status.as_wire()) == member(want, "order_status")
                            && same_amount(r.refund_amt, member(want, "refund_amt"))
                            // Signed and bound to the order queried: definite.
                            && Some(ops::ottpay_refund_status_query_status(&r))
                                == ottpay_order_status(member(want, "order_status"))
                    }
                    (Expect::GatewayError, Ok(Reply::Refused(r))) => {
                        Some(r.code.as_wire()) == case.rsp_code
                    }
                    (Expect::Error, Err(_)) => true,
                    _ => false,
                }
            }
        };
        report.check("ottpay", case.name, ok);
    }
}

fn scanforpay_requests(report: &mut Report, out: &mut [u8]) {
    let Ok(creds) =
        scanforpay::Credentials::new(SCANFORPAY_PARTNER_NO, SCANFORPAY_SIGN_KEY.as_bytes())
    else {
        return report.check("scanforpay", "credentials", false);
    };
    for case in SCANFORPAY_REQUESTS {
        let Ok(time) = Timestamp::parse_rfc3339(case.request_time) else {
            report.check("scanforpay", case.name, false);
            continue;
        };
        let header = scanforpay::RequestHeader::new(time, case.req_msg_id);
        let refund = scanforpay::RefundRequest {
            partner_order_no: case.partner_order_no,
            refund_no: case.refund_no,
            order_amount: case.order_amount,
            operator_id: case.operator_id,
            terminal_no: case.terminal_no,
        };
        let got = report.measure("scanforpay/encode_refund", || {
            ops::scanforpay_encode_refund(&creds, &header, &refund, out)
                .map(|b| b == case.body.as_bytes())
        });
        report.check("scanforpay", case.name, got == Ok(true));

        // No vector has an order query: its bytes are not checked here (the host tests do),
        // only its stack measured, on the same header and order number.
        let query = scanforpay::OrderQueryRequest {
            partner_order_no: Some(case.partner_order_no),
            ..Default::default()
        };
        let encoded = report.measure("scanforpay/encode_order_query", || {
            ops::scanforpay_encode_order_query(&creds, &header, &query, out).map(|b| b.len())
        });
        if encoded.is_err() {
            report.unmeasured(
                "scanforpay/encode_order_query",
                "was measured on a query it refused",
            );
        }
    }
}

fn scanforpay_responses(report: &mut Report) {
    let Ok(creds) =
        scanforpay::Credentials::new(SCANFORPAY_PARTNER_NO, SCANFORPAY_SIGN_KEY.as_bytes())
    else {
        return report.check("scanforpay", "credentials", false);
    };
    for case in SCANFORPAY_RESPONSES {
        let body = case.body.as_bytes();
        let want = case.response_body;
        let got = report.measure("scanforpay/decode_refund", || {
            ops::scanforpay_decode_refund(&creds, body, case.req_msg_id)
        });
        let ok = match (case.expect, got) {
            (Expect::Ok, Ok(Reply::Accepted(r))) => {
                // The page's refund states: 0 dealing, 1 refunded, 2 failed.
                let status = match member(want, "status") {
                    Some("0") => Some(RefundStatus::Pending),
                    Some("1") => Some(RefundStatus::Succeeded),
                    Some("2") => Some(RefundStatus::Failed),
                    _ => None,
                };
                same_members(&r.body, want)
                    && same_amount(r.order_amount, member(want, "orderAmount"))
                    && same_text(r.currency, member(want, "currency"))
                    && same_text(r.msg, member(want, "msg"))
                    && same_text(r.header.req_msg_id, Some(case.req_msg_id))
                    && Some(ops::scanforpay_refund_status(&r)) == status
            }
            (Expect::GatewayError, Ok(Reply::Refused(r))) => {
                Some(r.code.as_wire()) == member(want, "code")
                    && same_text(r.message, member(want, "msg"))
            }
            (Expect::Error, Err(_)) => true,
            _ => false,
        };
        report.check("scanforpay", case.name, ok);
    }

    // No vector has an order query reply: its decoder is measured on one that build.rs signs
    // with the vector key. It must be accepted, or the figure would be an error path's.
    let got = report.measure("scanforpay/decode_order_query", || {
        ops::scanforpay_decode_order_query(
            &creds,
            SCANFORPAY_ORDER_QUERY_REPLY.as_bytes(),
            SCANFORPAY_ORDER_QUERY_REQ_MSG_ID,
        )
    });
    let accepted = matches!(got, Ok(Reply::Accepted(r))
        if r.partner_order_no.eq_str(SCANFORPAY_ORDER_QUERY_PARTNER_ORDER_NO));
    if !accepted {
        report.unmeasured(
            "scanforpay/decode_order_query",
            "was measured on a reply it did not accept",
        );
    }
}
