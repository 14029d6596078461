"""`healthplan demo` makes one account per role, so the web application on the demo
database needs no other set-up; passwords are fresh each time and stored only hashed."""

from sqlalchemy import select

from healthplan.demo import DEMO_ACCOUNTS, create_demo_accounts
from healthplan.store.database import open_database
from healthplan.store.models import User
from healthplan.store.users import verify_password


def test_demo_accounts_log_in_with_the_printed_passwords(tmp_path):
    db = open_database(str(tmp_path / "demo.sqlite3"))
    accounts = create_demo_accounts(db)
    assert [(a.name, a.role) for a in accounts] == [(n, r) for n, r, _, _ in DEMO_ACCOUNTS]
    assert len({a.password for a in accounts}) == len(accounts)
    with db.session() as session:
        for account in accounts:
            user = session.scalar(select(User).where(User.name == account.name))
            assert account.password not in user.password_hash
            assert verify_password(user, account.password)
            assert not verify_password(user, account.password + "x")
        clerk = session.scalar(select(User).where(User.name == "demo_clerk_jiangyin"))
        assert clerk.region.name == "江阴市"
    # Run again on the same database: existing accounts keep their passwords.
    assert create_demo_accounts(db) == []
