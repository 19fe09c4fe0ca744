from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from posthog_api.models import PersonalAPIKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/posthog_api/organization/",
        "/admin/posthog_api/project/",
        "/admin/posthog_api/team/",
        "/admin/posthog_api/user/",
        "/admin/posthog_api/personalapikey/",
        "/admin/posthog_api/event/",
        "/admin/posthog_api/eventhourlycount/",
        "/admin/posthog_api/person/",
    ],
)
def test_admin_lists_load(staff_client, team, url):
    assert staff_client.get(url).status_code == 200


def test_staff_creates_a_key_in_admin_and_sees_it_once(staff_client, owner, team):
    response = staff_client.post(
        "/admin/posthog_api/personalapikey/add/",
        {"user": owner.pk, "label": "from admin", "scopes": ["project:read"]},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    key = PersonalAPIKey.objects.get(label="from admin")
    value = next(word for m in shown for word in m.split() if word.startswith("phx_"))
    assert key.mask_value == f"{value[:4]}...{value[-4:]}"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    assert api.get(f"/api/projects/{team.id}/").status_code == 200
    # The list page never shows the value again.
    assert value not in staff_client.get("/admin/posthog_api/personalapikey/").content.decode()


def test_admin_requires_staff(client, owner):
    client.force_login(owner)
    assert client.get("/admin/posthog_api/team/").status_code == 302
