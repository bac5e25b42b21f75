import pytest

from notifications import outbox
from notifications.models import Event
from scheduling.tests.conftest import at

from .fakes import FakeAliyunSms


@pytest.fixture
def booking_payload_obj(world):
    """Arguments for scheduling.services.booking_create."""
    return {
        "org_id": world.branch.pk,
        "lecturer_id": world.zhang.pk,
        "course_id": world.course.pk,
        "start": at(7, 9),
        "end": at(7, 11),
        "venue": "东村党群服务中心",
        "expected_attendees": 40,
        "classroom": "classroom",
    }


@pytest.fixture
def sms_provider(settings):
    """Point the SMS channel at a local fake Alibaba Cloud SMS server."""
    with FakeAliyunSms("sk") as fake:
        settings.NOTIFICATION_CHANNELS = {
            **settings.NOTIFICATION_CHANNELS,
            "sms": {
                "class": "notifications.channels.aliyun_sms.AliyunSms",
                "options": {"access_key_id": "ak", "access_key_secret": "sk", "sign_name": "讲台",
                            "templates": {e.value: f"SMS_{i}" for i, e in enumerate(Event)},
                            "endpoint": f"{fake.url}/", "timeout": 1.0},
            },
        }  # fmt: skip
        outbox.get_channel.cache_clear()
        yield fake
    outbox.get_channel.cache_clear()


@pytest.fixture
def wechat(settings):
    """The county has enabled WeChat: the channel and the web authorisation point at a local
    stand-in for WeChat's servers (appid "wxapp", secret "wxsecret")."""
    from .fakes import FakeWeChat

    with FakeWeChat() as fake:
        settings.NOTIFICATION_CHANNELS = {
            **settings.NOTIFICATION_CHANNELS,
            "wechat": {
                "class": "notifications.channels.wechat.WeChatSubscribe",
                "options": {"app_id": "wxapp", "app_secret": "wxsecret", "templates": {},
                            "api_base": fake.url, "timeout": 2.0},
            },
        }  # fmt: skip
        outbox.get_channel.cache_clear()
        yield fake
    outbox.get_channel.cache_clear()
