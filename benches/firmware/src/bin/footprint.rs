//! The flash a terminal pays for OTTPay + ScanForPay encode and decode: every operation of
//! the two gateways is linked, fed from a RAM buffer the optimizer cannot see into
//! (`black_box`), and its result consumed the same way. No vectors, no formatting, no
//! output: what `.text` + `.rodata` holds here is the codec, its crypto, and the few hundred
//! bytes of start-up code and panic handler every image has.
//!
//! It runs too (`benches/firmware/run` does not need to), and exits with success whatever
//! the codec made of the zeroed input.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use refundwire::gateway::{ottpay, scanforpay};
use refundwire::time::Timestamp;
use refundwire::{RefundStatus, Reply};
use refundwire_firmware::{exit, ops};

/// A piece of the opaque input as text (empty if it is not UTF-8).
fn text(input: &[u8], from: usize, len: usize) -> &str {
    input
        .get(from..from + len)
        .and_then(|b| core::str::from_utf8(b).ok())
        .unwrap_or_default()
}

#[entry]
fn main() -> ! {
    let mut input = [0u8; 1024];
    let input: &mut [u8] = black_box(&mut input);
    let mut out = [0u8; scanforpay::REQUEST_MAX];
    let (head, reply) = input.split_at_mut(256);
    let head: &[u8] = head;
    let id = text(head, 0, 32);
    let key = head.get(32..64).unwrap_or_default();
    let amount = black_box(1u64);
    let mut statuses = [RefundStatus::Unknown; 8];

    if let Ok(creds) =
        ottpay::Credentials::new(text(head, 64, 10), key.get(..16).unwrap_or_default())
    {
        let request = ottpay::RefundRequest {
            order_id: Some(id),
            ori_order_id: text(head, 80, 24),
            refund_amt: amount,
        };
        let _ = black_box(ops::ottpay_encode_refund(&creds, &request, &mut out).map(|b| b.len()));
        let query = ottpay::RefundStatusQuery { order_id: id };
        let _ = black_box(
            ops::ottpay_encode_refund_status_query(&creds, &query, &mut out).map(|b| b.len()),
        );
        match ops::ottpay_decode_refund(&creds, reply, id) {
            Ok(Reply::Accepted(r)) => statuses[0] = ops::ottpay_refund_status(&r),
            Ok(Reply::Refused(r)) => statuses[1] = ops::refusal_status(&r),
            Err(_) => {}
        }
        let reply = black_box(&mut *reply);
        match ops::ottpay_decode_refund_status(&creds, reply, id) {
            Ok(Reply::Accepted(r)) => statuses[2] = ops::ottpay_refund_status_query_status(&r),
            Ok(Reply::Refused(r)) => statuses[3] = ops::refusal_status(&r),
            Err(_) => {}
        }
    }

    if let Ok(creds) = scanforpay::Credentials::new(text(head, 104, 5), key) {
        let time = Timestamp::new(black_box(1_709_633_165_000), black_box(480));
        if let Ok(time) = time {
            let header = scanforpay::RequestHeader::new(time, id);
            let refund = scanforpay::RefundRequest {
                partner_order_no: text(head, 112, 21),
                refund_no: text(head, 136, 15),
                order_amount: amount,
                operator_id: Some(text(head, 152, 6)),
                terminal_no: Some(text(head, 160, 6)),
            };
            let _ = black_box(
                ops::scanforpay_encode_refund(&creds, &header, &refund, &mut out).map(|b| b.len()),
            );
            let query = scanforpay::OrderQueryRequest {
                partner_order_no: Some(refund.partner_order_no),
                ..Default::default()
            };
            let _ = black_box(
                ops::scanforpay_encode_order_query(&creds, &header, &query, &mut out)
                    .map(|b| b.len()),
            );
        }
        let reply: &[u8] = black_box(reply);
        match ops::scanforpay_decode_refund(&creds, reply, id) {
            Ok(Reply::Accepted(r)) => statuses[4] = ops::scanforpay_refund_status(&r),
            Ok(Reply::Refused(r)) => statuses[5] = ops::refusal_status(&r),
            Err(_) => {}
        }
        match ops::scanforpay_decode_order_query(&creds, reply, id) {
            Ok(Reply::Accepted(r)) => statuses[6] = ops::scanforpay_order_query_status(&r),
            Ok(Reply::Refused(r)) => statuses[7] = ops::refusal_status(&r),
            Err(_) => {}
        }
    }
    black_box(statuses);
    exit(true)
}
