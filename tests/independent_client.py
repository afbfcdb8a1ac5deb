#!/usr/bin/env python3
"""A client of the four gateways written from the protocol pages alone (shared/protocols/*.md),
not from refundwire's code, run against `refundwire sandbox serve`.

For each gateway it records a paid order (POST /sandbox/orders), makes a refund, asks its
status, and checks every answer the way the protocol page says a merchant must: OTTPay's
AES-128-ECB data and md5, ScanForPay's SHA-256(response bytes + key), PayerMax's RSA `sign`
header over the raw body, NewPay's RSA `data.sign` over the sorted name=value string. For
PayerMax and NewPay it also receives the refund notification / callback on a local HTTP
endpoint, verifies it and acknowledges it.

Usage:
    independent_client.py --base-url http://127.0.0.1:PORT
    independent_client.py --server-cmd 'refundwire sandbox serve --addr 127.0.0.1:0'

Credentials are the repository's test vectors (tests/vectors/*.json and keys/), which the
sandbox uses when started without a config file. Needs Python 3 and `cryptography`.
Exits 0 when every check passes; prints what failed otherwise.
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone, timedelta

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "vectors")


def credentials(gateway):
    with open(os.path.join(VECTORS, gateway + ".json"), encoding="utf-8") as f:
        return json.load(f)["credentials"]


def load_private(name):
    with open(os.path.join(VECTORS, "keys", name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_public(name):
    with open(os.path.join(VECTORS, "keys", name), "rb") as f:
        return serialization.load_pem_public_key(f.read())


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def post(base, path, body, headers=None):
    """POSTs bytes; returns (status, headers, body bytes)."""
    req = urllib.request.Request(base + path, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def add_order(base, gateway, order_no, amount, currency):
    status, _, body = post(base, "/sandbox/orders", compact(
        {"gateway": gateway, "order_no": order_no, "amount": amount, "currency": currency}))
    check(status == 201, "%s: recording the order answered %s %r" % (gateway, status, body))


def raw_member_span(text, name):
    """The exact text of member `name` of the top-level JSON object in `text` (a str), found
    by scanning members in order (no assumption on position or spacing)."""
    decoder = json.JSONDecoder()
    i = 0
    ws = " \t\r\n"
    while text[i] in ws:
        i += 1
    check(text[i] == "{", "not a JSON object")
    i += 1
    while True:
        while text[i] in ws:
            i += 1
        if text[i] == "}":
            return None
        key, i = decoder.raw_decode(text, i)
        while text[i] in ws:
            i += 1
        check(text[i] == ":", "malformed JSON")
        i += 1
        while text[i] in ws:
            i += 1
        start = i
        _, i = decoder.raw_decode(text, i)
        if key == name:
            return text[start:i]
        while text[i] in ws:
            i += 1
        if text[i] == ",":
            i += 1


# ---------------------------------------------------------------- OTTPay (protocols/ottpay.md)

def ott_values(obj):
    """Values sorted by key and concatenated (null skipped; strings as text; numbers as sent)."""
    out = ""
    for key in sorted(obj):
        v = obj[key]
        if v is None:
            continue
        if isinstance(v, bool):
            out += "true" if v else "false"
        else:
            out += str(v)
    return out


def ott_key(md5_text, sign_key):
    return hashlib.md5((md5_text + sign_key).encode()).hexdigest().upper()[8:24].encode("ascii")


def ott_seal(business, sign_key):
    md5 = hashlib.md5(ott_values(business).encode("utf-8")).hexdigest().upper()
    padder = padding.PKCS7(128).padder()
    plain = padder.update(compact(business)) + padder.finalize()
    enc = Cipher(algorithms.AES(ott_key(md5, sign_key)), modes.ECB()).encryptor()
    data = base64.b64encode(enc.update(plain) + enc.finalize()).decode()
    return data, md5


def ott_open(reply, sign_key):
    data = reply["data"].replace("\r", "").replace("\n", "").replace(" ", "+")
    dec = Cipher(algorithms.AES(ott_key(reply["md5"], sign_key)), modes.ECB()).decryptor()
    padded = dec.update(base64.b64decode(data)) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    obj = json.loads(unpadder.update(padded) + unpadder.finalize(), parse_int=str, parse_float=str)
    digest = hashlib.md5(ott_values(obj).encode("utf-8")).hexdigest()
    check(digest.upper() == reply["md5"].upper(), "OTTPay: md5 does not match the data")
    return obj


def ottpay(base):
    c = credentials("ottpay")
    order, refund_no = "PY-OTT-" + uuid.uuid4().hex[:8], "PY-OTT-R-" + uuid.uuid4().hex[:8]
    add_order(base, "ottpay", order, 1500, "CAD")

    def send(action, business):
        data, md5 = ott_seal(business, c["sign_key"])
        env = {"action": action, "version": "1.0", "merchant_id": c["merchant_id"],
               "data": data, "md5": md5}
        status, _, body = post(base, "/processV2", compact(env))
        check(status == 200, "OTTPay %s: HTTP %s" % (action, status))
        return json.loads(body)

    reply = send("REFUND", {"order_id": refund_no, "ori_order_id": order, "refund_amt": "1000"})
    check(reply["rsp_code"] in ("SUCCESS", "PROCESSING"), "OTTPay refund: %r" % reply)
    data = ott_open(reply, c["sign_key"])
    check(data.get("order_id") == refund_no and data["refund_amt"] == "1000",
          "OTTPay refund data: %r" % data)
    reply = send("REFUND_STATUS_QUERY", {"order_id": refund_no})
    data = ott_open(reply, c["sign_key"])
    check(data["order_id"] == refund_no and data["order_status"] == "success"
          and data["refund_amt"] == "1000", "OTTPay status: %r" % data)
    # A second refund over what is left is refused.
    reply = send("REFUND", {"order_id": refund_no + "X", "ori_order_id": order, "refund_amt": "501"})
    check(reply["rsp_code"] not in ("SUCCESS", "PROCESSING"), "OTTPay over-refund: %r" % reply)
    return "refund %s succeeded, status query verified, over-refund refused (%s)" % (
        refund_no, reply["rsp_code"])


# ------------------------------------------------------- ScanForPay (protocols/scanforpay.md)

def sfp_send(base, c, path, body):
    req_id = str(uuid.uuid4())
    now = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0)
    request = compact({"header": {"requestTime": now.isoformat(), "partnerNo": c["partner_no"],
                                  "signType": "SHA256", "version": "1.0", "reqMsgId": req_id},
                       "body": body})
    signature = hashlib.sha256(request + c["sign_key"].encode()).hexdigest()
    message = b'{"request":' + request + b',"signature":"' + signature.encode() + b'"}'
    status, _, raw = post(base, path, message)
    check(status == 200, "ScanForPay %s: HTTP %s" % (path, status))
    text = raw.decode("utf-8")
    signed = raw_member_span(text, "response")
    got = json.loads(text)["signature"]
    want = hashlib.sha256(signed.encode("utf-8") + c["sign_key"].encode()).hexdigest()
    check(got.lower() == want, "ScanForPay: response signature does not verify")
    response = json.loads(signed)
    check(response["header"]["reqMsgId"] == req_id, "ScanForPay: reqMsgId not echoed")
    return response["body"]


def scanforpay(base):
    c = credentials("scanforpay")
    order, refund_no = "PY-SFP-" + uuid.uuid4().hex[:8], "PY-SFP-R-" + uuid.uuid4().hex[:8]
    add_order(base, "scanforpay", order, 30095, "JPY")
    body = sfp_send(base, c, "/api/common/refund",
                    {"partnerOrderNo": order, "refundNo": refund_no, "orderAmount": 30095})
    check(body["code"] == 1 and body["status"] == 1 and body["orderAmount"] == 30095
          and body["currency"] == "JPY", "ScanForPay refund: %r" % body)
    body = sfp_send(base, c, "/api/common/payQuery", {"partnerOrderNo": order})
    check(body["code"] == 1 and body["partnerOrderNo"] == order and body["status"] == 3,
          "ScanForPay order query: %r" % body)
    body = sfp_send(base, c, "/api/common/refund",
                    {"partnerOrderNo": order, "refundNo": refund_no + "X", "orderAmount": 1})
    check(body["code"] == 35, "ScanForPay over-refund: %r" % body)
    return "refund %s succeeded, order query verified, over-refund refused (35)" % refund_no


# ----------------------------------------------------------- Notification receiver (loopback)

class Receiver:
    """Receives notifications on 127.0.0.1 and answers `ack`."""

    def __init__(self, ack):
        self.got = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.put((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(ack)))
                self.end_headers()
                self.wfile.write(ack)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/notify" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=10):
        try:
            return self.got.get(timeout=timeout)
        except queue.Empty:
            raise Failure("no notification within %ss" % timeout)


def rsa_sign(key, message):
    return base64.b64encode(key.sign(message, rsa_padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key, message, b64, what):
    try:
        key.verify(base64.b64decode(b64), message, rsa_padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        raise Failure("%s: signature does not verify" % what)


# ----------------------------------------------------------- PayerMax (protocols/payermax.md)

def payermax(base):
    c = credentials("payermax")
    merchant = load_private("payermax_merchant.pem")
    platform = load_public("payermax_platform.pub.pem")
    order, refund_no = "PY-PMX-" + uuid.uuid4().hex[:8], "PY-PMX-R-" + uuid.uuid4().hex[:8]
    add_order(base, "payermax", order, 1050, "USD")
    receiver = Receiver(b'{"code":"SUCCESS","msg":"Success"}')

    def send(api, data, amount=None):
        now = datetime.now(timezone.utc)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+00:00" % (now.microsecond // 1000)
        body = compact({"version": "1.1", "keyVersion": "1", "requestTime": stamp,
                        "appId": c["app_id"], "merchantNo": c["merchant_no"], "data": data})
        if amount is not None:
            # `refundAmount` is a JSON number in major units: the exact decimal text goes in
            # place of a placeholder (no float ever).
            body = body.replace(b'"@AMOUNT@"', amount.encode())
        status, headers, raw = post(base, "/aggregate-pay/api/gateway/" + api, body,
                                    {"sign": rsa_sign(merchant, body)})
        check(status == 200, "PayerMax %s: HTTP %s" % (api, status))
        reply = json.loads(raw, parse_float=str)
        if reply["code"] == "APPLY_SUCCESS" or headers.get("sign"):
            rsa_verify(platform, raw, headers.get("sign", ""), "PayerMax " + api)
        return reply

    data = {"outRefundNo": refund_no, "outTradeNo": order, "refundAmount": "@AMOUNT@",
            "refundCurrency": "USD", "refundNotifyUrl": receiver.url}
    reply = send("refund", data, amount="10.50")
    check(reply["code"] == "APPLY_SUCCESS" and reply["data"]["outRefundNo"] == refund_no
          and reply["data"]["status"] in ("REFUND_PENDING", "REFUND_SUCCESS"),
          "PayerMax refund: %r" % reply)
    reply = send("refundQuery", {"outRefundNo": refund_no})
    d = reply["data"]
    check(reply["code"] == "APPLY_SUCCESS" and d["outRefundNo"] == refund_no
          and d["status"] == "REFUND_SUCCESS" and d["refundAmount"] == "10.50"
          and d["refundCurrency"] == "USD", "PayerMax refundQuery: %r" % reply)
    headers, body = receiver.next()
    sign = {k.lower(): v for k, v in headers.items()}.get("sign", "")
    rsa_verify(platform, body, sign, "PayerMax notification")
    note = json.loads(body, parse_float=str)
    check(note["notifyType"] == "REFUND" and note["appId"] == c["app_id"]
          and note["data"]["outRefundNo"] == refund_no
          and note["data"]["status"] == "REFUND_SUCCESS", "PayerMax notification: %r" % note)
    receiver.server.shutdown()
    return "refund %s succeeded; notification verified" % refund_no


# --------------------------------------------------------------- NewPay (protocols/newpay.md)

def np_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def np_string(obj):
    """Every member but `sign` whose value is not null, sorted by name, `name=value&…`."""
    return "&".join("%s=%s" % (k, np_text(obj[k])) for k in sorted(obj)
                    if k != "sign" and obj[k] is not None).encode("utf-8")


def newpay(base):
    c = credentials("newpay")
    merchant = load_private("newpay_merchant.pem")
    platform = load_public("newpay_platform.pub.pem")
    order, refund_no = "PY-NPY-" + uuid.uuid4().hex[:8], "PY-NPY-R-" + uuid.uuid4().hex[:8]
    add_order(base, "newpay", order, 50000, "LAK")
    receiver = Receiver(b'{"transResult":"SUCCESS"}')

    def send(path, fields):
        obj = {"appId": c["app_id"], "merchantId": c["merchant_id"],
               "timestamp": int(time.time() * 1000)}
        obj.update(fields)
        sign = rsa_sign(merchant, np_string(obj))
        ordered = {"appId": obj["appId"], "merchantId": obj["merchantId"],
                   "timestamp": obj["timestamp"], "sign": sign}
        ordered.update(fields)
        status, _, raw = post(base, path, compact(ordered), {"version": "1.0"})
        check(status == 200, "NewPay %s: HTTP %s" % (path, status))
        reply = json.loads(raw, parse_int=str, parse_float=str)
        if reply.get("success") is True:
            data = reply["data"]
            rsa_verify(platform, np_string(data), data["sign"], "NewPay " + path)
            check(data["appId"] == c["app_id"], "NewPay: another app's reply")
        return reply

    reply = send("/api/open/converge/pay/v1/refund",
                 {"refundOrderAmt": "50000", "orderNo": order, "refundOrderNo": refund_no,
                  "refundDesc": "independent client", "callBackUrl": receiver.url})
    check(reply["success"] is True and reply["code"] == "0"
          and reply["data"]["refundOrderNo"] == refund_no
          and reply["data"]["refundOrderAmt"] == "50000", "NewPay refund: %r" % reply)
    reply = send("/api/open/converge/pay/v1/queryRefund", {"refundOrderNo": refund_no})
    d = reply["data"]
    check(reply["success"] is True and d["refundOrderNo"] == refund_no and d["tranStatus"] == "1"
          and d.get("tranNo"), "NewPay inquiry: %r" % reply)
    reply = send("/api/open/converge/pay/v1/refund",
                 {"refundOrderAmt": "1", "orderNo": order, "refundOrderNo": refund_no + "X",
                  "refundDesc": "", "callBackUrl": ""})
    check(reply["success"] is False and reply["code"] == "Z01020", "NewPay over-refund: %r" % reply)
    _, body = receiver.next()
    cb = json.loads(body, parse_int=str, parse_float=str)
    rsa_verify(platform, np_string(cb), cb["sign"], "NewPay callback")
    check(cb["appId"] == c["app_id"] and cb["refundOrderNo"] == refund_no
          and cb["transStatus"] == "1", "NewPay callback: %r" % cb)
    receiver.server.shutdown()
    return "refund %s succeeded; callback verified" % refund_no


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--base-url", help="a running sandbox, e.g. http://127.0.0.1:8080")
    group.add_argument("--server-cmd", help="a command that starts the sandbox and prints "
                                            "'listening on http://HOST:PORT'")
    args = parser.parse_args()
    server = None
    base = args.base_url
    if args.server_cmd:
        server = subprocess.Popen(shlex.split(args.server_cmd), stdout=subprocess.PIPE, text=True)
        for line in server.stdout:
            if "listening on " in line:
                base = line.split("listening on ", 1)[1].strip()
                break
        check(base, "the server printed no address")
    base = base.rstrip("/")
    failed = 0
    try:
        for name, run in [("ottpay", ottpay), ("scanforpay", scanforpay),
                          ("payermax", payermax), ("newpay", newpay)]:
            try:
                print("%-10s ok: %s" % (name, run(base)))
            except Failure as e:
                failed += 1
                print("%-10s FAILED: %s" % (name, e))
    finally:
        if server:
            server.terminate()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
