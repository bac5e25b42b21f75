"""Files browsers ask for on their own are there (no 404 in every page's log)."""


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_pages_describe_themselves_in_chinese(client, world):
    from evaluation.services import token_for
    from evaluation.tests.test_evaluation import session

    for path in ("/accounts/login/", f"/e/{token_for(session(world))}"):
        html = client.get(path).content.decode()
        description = html.split('<meta name="description" content="', 1)[1].split('"', 1)[0]
        assert len(description) > 10 and "课" in description
