"""Alibaba Cloud SMS (dysmsapi, SendSms, RPC style), signed as the provider documents:
sorted, RFC 3986-encoded query; StringToSign = "GET&%2F&" + encode(query);
Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))."""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from .base import Channel, Delivery, DeliveryResult, Outcome

# Codes after which a retry cannot help.
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.DENY_IP_RANGE",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId.NotFound",
}


def percent_encode(value: str) -> str:
    return urllib.parse.quote(str(value), safe="-_.~")


def sign(params: dict, secret: str, method: str = "GET") -> str:
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms(Channel):
    name = "sms"

    def __init__(self, *, access_key_id: str, access_key_secret: str, sign_name: str, templates: dict,
                 endpoint: str = "https://dysmsapi.aliyuncs.com/", timeout: float = 5.0):  # fmt: skip
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.templates = templates  # event → TemplateCode approved by the provider
        self.endpoint = endpoint
        self.timeout = timeout

    def build_params(
        self, delivery: Delivery, *, nonce: str | None = None, timestamp: datetime | None = None
    ) -> dict:
        template = self.templates.get(delivery.event)
        if not template:
            raise KeyError(delivery.event)
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": delivery.key[:64],
            "PhoneNumbers": delivery.address,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(delivery.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": (timestamp or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = sign(params, self.access_key_secret)
        return params

    def send(self, delivery: Delivery) -> DeliveryResult:
        try:
            params = self.build_params(delivery)
        except KeyError:
            return DeliveryResult(Outcome.FAILED, f"no SMS template for {delivery.event}")
        url = f"{self.endpoint}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            try:
                body = json.loads(exc.read().decode() or "{}")
            except ValueError:
                body = {}
            if exc.code >= 500 or not body.get("Code"):
                return DeliveryResult(Outcome.RETRY, f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            return DeliveryResult(Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
        code = body.get("Code", "")
        if code == "OK":
            return DeliveryResult(Outcome.SENT, provider_id=body.get("BizId", ""))
        detail = f"{code}: {body.get('Message', '')}"[:300]
        return DeliveryResult(Outcome.FAILED if code in PERMANENT else Outcome.RETRY, detail)
