"""Who may log in to a sandbox: the API script, a few users with passwords, one
user with two-factor authentication, and a session token.

Secrets are random per server (``secrets``) unless a script key is given.
"""

from __future__ import annotations

import secrets
from typing import Any

from .model import Store
from .auth import Credentials

__all__ = ["build_credentials", "active_login"]


def active_login(store: Store, login: str) -> bool:
    """True when an active (not disabled, not retired) HumanUser has this login."""
    for rec in store.records.get("HumanUser", {}).values():
        if rec.get("login") == login:
            return rec.get("sg_status_list") != "dis"
    return False


def _active_users(store: Store) -> list[dict[str, Any]]:
    return [rec for rec in store.records.get("HumanUser", {}).values()
            if rec.get("login") and rec.get("sg_status_list") != "dis"]


def build_credentials(store: Store, script_name: str, script_key: str | None) -> tuple[Credentials, dict[str, Any]]:
    """The accepted secrets and the public ``credentials`` dict of a sandbox.

    The first two active users (by id) get passwords; the third gets a password
    and two-factor authentication with one accepted code; a session token logs in
    as the first user.
    """
    key = script_key if script_key is not None else secrets.token_urlsafe(24)
    users = _active_users(store)
    passwords: dict[str, str] = {}
    otp: dict[str, str] = {}
    listed: list[dict[str, Any]] = []
    for rec in users[:2]:
        pw = secrets.token_urlsafe(12)
        passwords[rec["login"]] = pw
        listed.append({"login": rec["login"], "password": pw, "name": rec.get("name"), "id": rec["id"]})
    two_factor: dict[str, Any] | None = None
    if len(users) >= 3:
        rec = users[2]
        pw = secrets.token_urlsafe(12)
        code = f"{secrets.randbelow(10 ** 6):06d}"
        passwords[rec["login"]] = pw
        otp[rec["login"]] = code
        two_factor = {"login": rec["login"], "password": pw, "otp": code, "name": rec.get("name"), "id": rec["id"]}
    sessions: dict[str, str] = {}
    session_token = None
    if users:
        session_token = secrets.token_hex(16)
        sessions[session_token] = users[0]["login"]
    creds = Credentials(scripts={script_name: key}, passwords=passwords, otp=otp, sessions=sessions)
    public = {
        "script_name": script_name,
        "script_key": key,
        "users": listed,
        "two_factor_user": two_factor,
        "session_token": session_token,
        "session_login": users[0]["login"] if users else None,
    }
    return creds, public
