from ninja import Field, Router, Schema
from ninja.responses import Status

import access
from accounts.services import (
    api_token_issue,
    api_token_revoke,
    login_authenticate,
    password_change,
)

from ..auth import BearerToken
from ..schemas import ErrorOut

router = Router(tags=["accounts"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    # True for a login still on a password someone else chose: change it first
    # (POST /auth/password); every other endpoint answers 403 password_change_required.
    password_change_required: bool = False


class PasswordIn(Schema):
    old_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class NewTokenOut(Schema):
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
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Log in and get a bearer token",
)
def auth_token(request, payload: TokenIn):
    user = login_authenticate(request=request, username=payload.username, password=payload.password)
    return {
        "token": api_token_issue(user=user),
        "password_change_required": user.must_change_password,
    }


@router.post(
    "/auth/password",
    auth=BearerToken(allow_initial_password=True),
    response={200: NewTokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Change my password; every older token is revoked and a fresh one returned",
    description=(
        "A wrong `old_password` answers 422 naming it and counts as a failed login (429 "
        "`locked_out` once the account is locked); a `new_password` the password rules refuse "
        "answers 422 naming it."
    ),
)
def auth_password(request, payload: PasswordIn):
    password_change(
        request=request,
        user=request.auth,
        old_password=payload.old_password,
        new_password=payload.new_password,
    )
    return {"token": api_token_issue(user=request.auth)}


@router.post(
    "/auth/logout",
    auth=BearerToken(allow_initial_password=True),
    response={204: None, 400: ErrorOut, 401: ErrorOut},
    summary="Log out: the token this request carries stops working",
)
def auth_logout(request):
    api_token_revoke(actor=request.auth, token_id=request.api_token_id)
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut}, summary="Who am I")
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
