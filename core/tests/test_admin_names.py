"""The Django admin speaks Chinese, the task queue's pages too."""

from accounts.models import User
from notifications.tasks import deliver_outbox


def test_the_task_queue_pages_have_chinese_names(db, client):
    admin = User.objects.create_superuser("root", password="x" * 12)
    client.force_login(admin)
    deliver_outbox.enqueue()
    index = client.get("/admin/").content.decode()
    assert "后台任务" in index and "Tasks Database Backend" not in index
    listing = client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "任务结果" in listing and "Task Results" not in listing
    assert "任务" in listing.split("<thead>", 1)[1] and "Task name" not in listing
    assert "就绪" in listing  # the status of the queued task
