from ninja import Router, Schema

from accounts.services import api_token_issue, login_authenticate
from orgs import access

from ..schemas import ErrorOut

router = Router(tags=["accounts"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class RoleOut(Schema):
    role: str
    org_id: int


class MeOut(Schema):
    id: int
    username: str
    name: str
    county_id: int | None
    lecturer_id: int | None
    roles: list[RoleOut]


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Log in and get a bearer token",
)
def auth_token(request, payload: TokenIn):
    user = login_authenticate(
        request=request,
        username=payload.username,
        password=payload.password,
        client_ip=request.META.get("REMOTE_ADDR"),
    )
    return {"token": api_token_issue(user=user)}


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="Who am I")
def me(request):
    user = request.auth
    scope = access.scope_for(user)
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "county_id": scope.county_id,
        "lecturer_id": scope.lecturer_id,
        "roles": access.roles_of(user),
    }
