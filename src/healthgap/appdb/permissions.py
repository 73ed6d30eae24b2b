"""One permission model: the actor, the roles, what each may do to each kind of object,
and the check. Every face uses it: each write route of the web service declares its
:class:`Permission` (:func:`healthgap.web.deps.requires`; a test walks the route table and
fails on a write route without one), the domain layer checks it again on every write
(:func:`check`), and the CLI builds its :class:`Actor` from the same accounts
(:func:`actor_for`) when it acts for a user.

Roles
-----
``admin`` (administrator)
    Everything, for every authority: accounts, the powers register, the audit log.
``editor``
    Changes the records of their own authority (targets, framework workspace, screening
    answers, local data and ledger imports). Cannot sign off a screening.
``approver``
    Signs off the screenings of their own authority (for example a Director of Public
    Health); reads like a viewer; changes nothing else.
``viewer``
    Reads what signed-in users may read; changes nothing.

Editors and approvers belong to one authority (``authority_code``). A screening's
sign-off must also come from someone who did not write its answers
(:data:`SEPARATE_SIGN_OFF`; see :func:`check_sign_off`).

Examples
--------
>>> ed = Actor("ana@example.org", "editor", "E08000025")
>>> allows(ed, Permission("target", "change"), "E08000025")
True
>>> allows(ed, Permission("target", "change"), "E06000001")
False
>>> allows(ed, Permission("screening", "sign_off"), "E08000025")
False
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from healthgap.errors import HealthgapError, InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Role = Literal["admin", "editor", "approver", "viewer"]
#: The roles, most powerful first.
ROLES: tuple[str, ...] = ("admin", "editor", "approver", "viewer")
#: How each role is named in messages and pages.
ROLE_NAMES = {
    "admin": "administrator",
    "editor": "editor",
    "approver": "approver",
    "viewer": "viewer",
}
#: Roles that belong to one authority.
AUTHORITY_ROLES = frozenset({"editor", "approver"})
#: The kinds of framework record an authority's editors change.
FRAMEWORK_KINDS = ("action", "enquiry", "partner", "survey", "response", "commitment", "case_study")
#: Kinds only administrators change (registers shared by every authority).
ADMIN_ONLY_KINDS = frozenset({"power", "authority"})

Scope = Literal["any", "own", "public"]
ANY: Scope = "any"
OWN: Scope = "own"
PUBLIC: Literal["public"] = "public"

#: ``(kind, verb) -> {role: scope}``: ``any`` authority, their ``own`` only; a rule whose
#: value is ``PUBLIC`` holds for everyone, signed in or not. A role not listed may not.
RULES: dict[tuple[str, str], dict[str, Scope] | Literal["public"]] = {
    **{(k, "change"): {"admin": ANY, "editor": OWN} for k in ("target", *FRAMEWORK_KINDS)},
    # any other kind of workspace record (the framework's storage is open-ended)
    ("record", "change"): {"admin": ANY, "editor": OWN},
    **{(k, "change"): {"admin": ANY} for k in sorted(ADMIN_ONLY_KINDS)},
    ("screening", "change"): {"admin": ANY, "editor": OWN},
    ("screening", "sign_off"): {"admin": ANY, "approver": OWN},
    ("place", "change"): {"admin": ANY, "editor": OWN},
    ("dataset", "import"): {"admin": ANY, "editor": OWN},
    # the owner check (an editor withdraws their own authority's uploads) is the route's
    ("dataset", "withdraw"): {"admin": ANY, "editor": OWN},
    ("ledger", "import"): {"admin": ANY, "editor": OWN},
    ("audit", "read"): {"admin": ANY},
    ("user", "manage"): {"admin": ANY},
    # loading or removing the illustrative example workspace (healthgap.examples)
    ("examples", "manage"): {"admin": ANY},
    # the accountability loop (healthgap.decisions): the register, the cycle, questions
    ("decision", "change"): {"admin": ANY, "editor": OWN},
    ("cycle", "change"): {"admin": ANY, "editor": OWN},
    # committee questions are put on the record by staff; anyone may ask in public
    ("question", "change"): {"admin": ANY, "editor": OWN},
    ("question", "ask"): PUBLIC,
    ("question", "moderate"): {"admin": ANY, "editor": OWN},
    ("question", "answer"): {"admin": ANY, "editor": OWN},
    # the network (healthgap.network): what an authority shares, and whose feeds it reads
    ("network_share", "change"): {"admin": ANY, "editor": OWN},
    ("network", "subscribe"): {"admin": ANY},
    ("session", "sign_in"): PUBLIC,
    ("session", "sign_out"): PUBLIC,
}


#: How a refusal states each rule (``{of}``: " of authority CODE" when it is known).
RULE_TEXT: dict[tuple[str, str], str] = {
    ("target", "change"): (
        "targets{of} must be edited by an administrator or that authority's editor"
    ),
    ("screening", "change"): (
        "screenings{of} must be changed by an administrator or that authority's editor"
    ),
    ("screening", "sign_off"): (
        "screenings{of} must be signed off by an administrator or that authority's approver"
    ),
    ("place", "change"): (
        "saved places{of} must be changed by an administrator or that authority's editor"
    ),
    ("dataset", "import"): "data must be imported by an administrator or an editor",
    ("dataset", "withdraw"): (
        "local datasets must be withdrawn by an administrator or an editor of the owner"
    ),
    ("ledger", "import"): (
        "ledger files must be imported by an administrator or an editor of an authority"
    ),
    ("audit", "read"): "the audit log must be read by an administrator",
    ("user", "manage"): "accounts must be managed by an administrator",
    ("examples", "manage"): ("the example workspace must be loaded or removed by an administrator"),
    ("decision", "change"): (
        "decisions{of} must be recorded by an administrator or that authority's editor"
    ),
    ("cycle", "change"): (
        "the annual cycle{of} must be updated by an administrator or that authority's editor"
    ),
    ("question", "change"): (
        "committee questions{of} must be recorded by an administrator or that authority's editor"
    ),
    ("question", "moderate"): (
        "questions{of} must be moderated by an administrator or that authority's editor"
    ),
    ("question", "answer"): (
        "questions{of} must be answered by an administrator or that authority's editor"
    ),
    ("network_share", "change"): (
        "what an authority shares{of} must be chosen by an administrator or that authority's editor"
    ),
    ("network", "subscribe"): "network subscriptions must be managed by an administrator",
}


def separate_sign_off() -> bool:
    """Whether a screening must be signed off by someone other than its authors.

    On by default; a deployment turns it off with ``HEALTHGAP_SEPARATE_SIGN_OFF=0``.
    """
    return os.environ.get("HEALTHGAP_SEPARATE_SIGN_OFF", "1").strip() not in ("0", "false", "no")


#: The default of :func:`separate_sign_off` (documentation; read the function).
SEPARATE_SIGN_OFF = True


class NotPermittedError(HealthgapError, PermissionError):
    """The actor may not make this change (e.g. an editor of another authority)."""


class NotSignedInError(NotPermittedError):
    """The change must be made by a signed-in user."""


@dataclass(frozen=True)
class Permission:
    """Doing ``verb`` to objects of ``kind`` (e.g. ``Permission("target", "change")``)."""

    kind: str
    verb: str = "change"

    def __post_init__(self) -> None:
        if (self.kind, self.verb) not in RULES:
            known = ", ".join(f"{k}.{v}" for k, v in RULES)
            raise InputError(
                f"a permission must be one of {known}; got {self.name!r}. Add a rule to "
                "healthgap.appdb.permissions.RULES first."
            )

    @property
    def name(self) -> str:
        """``kind.verb``."""
        return f"{self.kind}.{self.verb}"

    @property
    def public(self) -> bool:
        """Whether everyone holds it, signed in or not."""
        return RULES[(self.kind, self.verb)] == PUBLIC

    def holders(self) -> dict[str, Scope]:
        """``{role: scope}`` of the roles that hold it."""
        rule = RULES[(self.kind, self.verb)]
        return dict.fromkeys(ROLES, PUBLIC) if rule == PUBLIC else dict(rule)


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a name (an email for accounts), a role and, for editors
    and approvers, their authority code."""

    name: str
    role: Role = "viewer"
    authority_code: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InputError(
                f"role must be one of {', '.join(ROLES)}; got {self.role!r}. "
                "Use 'editor' with authority_code for an authority's own staff."
            )
        if self.role in AUTHORITY_ROLES and not self.authority_code:
            raise InputError(
                f"an {self.role} must have an authority_code; got none for {self.name!r}. "
                "Pass authority_code='E47000001' (the authority they work for)."
            )
        if not self.name.strip():
            raise InputError(
                "the actor's name must not be empty; got ''. Pass who made the change."
            )

    @classmethod
    def of(cls, user: Any) -> Actor:
        """The actor for an account (a :class:`~healthgap.appdb.models.User`)."""
        return cls(user.email, user.role, user.authority_code)

    def describe(self) -> str:
        """``editor ana@example.org of E08000025``."""
        of = f" of {self.authority_code}" if self.authority_code else ""
        return f"{ROLE_NAMES[self.role]} {self.name}{of}"


def allows(who: Actor | None, permission: Permission, authority_code: str | None = None) -> bool:
    """Whether ``who`` holds ``permission`` for ``authority_code`` (``None``: for some
    authority, the question a route asks before it knows the record)."""
    if permission.public:
        return True
    if who is None:
        return False
    scope = permission.holders().get(who.role)
    if scope is None:
        return False
    if scope == OWN and authority_code is not None:
        return authority_code == who.authority_code
    return True


def _holders_text(permission: Permission) -> str:
    names = []
    for role, scope in permission.holders().items():
        name = ROLE_NAMES[role]
        names.append(name if scope == ANY else f"an {name} of that authority")
    return " or ".join(names)


def check(
    who: Actor | None,
    permission: Permission,
    authority_code: str | None = None,
    *,
    label: str | None = None,
) -> None:
    """Raise :class:`NotPermittedError` (or :class:`NotSignedInError`) unless
    :func:`allows`; the message says what the rule is and who was refused (``label``
    names the kind of record in it, by default the permission's kind)."""
    if allows(who, permission, authority_code):
        return
    if who is None:
        raise NotSignedInError(
            f"{permission.name} must be done by a signed-in user; got an anonymous request. "
            "Sign in at /sign-in."
        )
    kind = label or permission.kind
    if permission.verb == "change" and permission.kind in (
        *FRAMEWORK_KINDS,
        *ADMIN_ONLY_KINDS,
        "record",
    ):
        # the framework's long-standing wording
        if who.role not in permission.holders():
            if permission.kind in ADMIN_ONLY_KINDS and who.role == "editor":
                raise NotPermittedError(
                    f"the {kind} register must be changed by an administrator; got editor "
                    f"{who.name}. Ask an administrator to record the change."
                )
            raise NotPermittedError(
                f"{who.name} must be an editor or administrator to change {kind} records; "
                f"got role {who.role!r}. Ask an administrator for editor access."
            )
        raise NotPermittedError(
            f"an editor must change only their own authority's {kind} records; got "
            f"{who.name} (editor for {who.authority_code}) changing {authority_code or 'shared'}"
            " records. Ask that authority's editors or an administrator."
        )
    of = f" of authority {authority_code}" if authority_code else ""
    rule = RULE_TEXT.get(
        (permission.kind, permission.verb),
        f"{permission.name}{{of}} must be done by {_holders_text(permission)}",
    ).format(of=of)
    held = f" of {who.authority_code}" if who.authority_code else ""
    raise NotPermittedError(
        f"{rule}; got {who.role} {who.name}{held}. Ask an administrator for access."
    )


def check_sign_off(who: Actor, authority_code: str, authors: set[str]) -> None:
    """The screening sign-off rule: the ``screening.sign_off`` permission for the
    screening's authority and, unless the deployment turned it off
    (``HEALTHGAP_SEPARATE_SIGN_OFF=0``), not one of the people who wrote its answers."""
    check(who, Permission("screening", "sign_off"), authority_code)
    if separate_sign_off() and who.name.strip().lower() in {a.strip().lower() for a in authors}:
        raise NotPermittedError(
            f"a screening must be signed off by someone who did not write its answers; got "
            f"{who.name}, who wrote some of them. Ask another approver of {authority_code} "
            "(a deployment may allow self sign-off with HEALTHGAP_SEPARATE_SIGN_OFF=0)."
        )


def actor_for(session: Session, email: str) -> Actor:
    """The actor for the account ``email`` (the CLI acting for a user): its role and
    authority from the app database; unknown and disabled accounts are refused."""
    from sqlalchemy import select

    from healthgap.appdb.models import User

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise InputError(
            f"--as must name an account of the app database; got {email!r}. List them with "
            "`healthgap users list`."
        )
    if user.disabled:
        raise NotPermittedError(
            f"the account {user.email} is disabled; got a change made for it. An administrator "
            "can enable it with `healthgap users enable`."
        )
    return Actor.of(user)
