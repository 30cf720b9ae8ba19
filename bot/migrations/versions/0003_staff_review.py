"""Staff review: accounts, sign-in attempts, the audit log, corrections, notes, where staff
stand with each intake, and each mention the bot read with its message and offsets.

intake_mentions is filled for intakes already stored from their details.sources (conditions,
severity and duration: what records kept before this revision).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def intake_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["intake_id"], ["intakes.id"], ondelete="CASCADE",
        name=f"fk_{table}_intake_id_intakes",
    )


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("email", name="uq_staff_users_email"),
    )
    op.create_table(
        "staff_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_login_attempts"),
    )
    op.create_index("ix_staff_login_attempts_email_at", "staff_login_attempts", ["email", "at"])
    op.create_index("ix_staff_login_attempts_ip_at", "staff_login_attempts", ["ip", "at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_intake_id", "audit_events", ["intake_id"])
    op.create_table(
        "intake_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        intake_fk("intake_corrections"),
        sa.PrimaryKeyConstraint("id", name="pk_intake_corrections"),
    )
    op.create_index("ix_intake_corrections_intake_id", "intake_corrections", ["intake_id"])
    op.create_table(
        "intake_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        intake_fk("intake_notes"),
        sa.PrimaryKeyConstraint("id", name="pk_intake_notes"),
    )
    op.create_index("ix_intake_notes_intake_id", "intake_notes", ["intake_id"])
    op.create_table(
        "intake_reviews",
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("booked_for", sa.DateTime(timezone=False), nullable=True),
        sa.Column("clearance_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        intake_fk("intake_reviews"),
        sa.PrimaryKeyConstraint("intake_id", name="pk_intake_reviews"),
    )
    mentions = op.create_table(
        "intake_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        intake_fk("intake_mentions"),
        sa.PrimaryKeyConstraint("id", name="pk_intake_mentions"),
    )
    op.create_index("ix_intake_mentions_intake_message", "intake_mentions",
                    ["intake_id", "message"])
    _fill_mentions(mentions)


def _fill_mentions(mentions: sa.Table) -> None:
    """Mentions of the intakes stored before this revision, from details.sources: each
    condition (paired with the intake's conditions in order, for its status), the rating and
    how long, where the source points at a client message whose text holds its words."""
    connection = op.get_bind()
    intakes = sa.table("intakes", sa.column("id"), sa.column("severity"),
                       sa.column("details", sa.JSON))
    conditions = sa.table("intake_conditions", sa.column("id"), sa.column("intake_id"),
                          sa.column("status"))
    messages = sa.table("transcript_messages", sa.column("intake_id"), sa.column("position"),
                        sa.column("sender"), sa.column("text"))
    rows = []
    for intake_id, severity, details in connection.execute(
            sa.select(intakes.c.id, intakes.c.severity, intakes.c.details)).all():
        sources = (details or {}).get("sources") if isinstance(details, dict) else None
        if not isinstance(sources, dict):
            continue
        texts = {position: text for position, sender, text in connection.execute(
            sa.select(messages.c.position, messages.c.sender, messages.c.text)
            .where(messages.c.intake_id == intake_id)).all() if sender == "client"}
        statuses = list(connection.execute(
            sa.select(conditions.c.status).where(conditions.c.intake_id == intake_id)
            .order_by(conditions.c.id)).scalars())
        found = [("condition", source, source.get("id") if isinstance(source, dict) else None,
                  statuses[i] if i < len(statuses) else "present")
                 for i, source in enumerate(sources.get("conditions") or [])]
        found += [("severity", sources.get("severity"),
                   None if severity is None else str(severity), "present"),
                  ("duration", sources.get("duration"), None, "present")]
        for kind, source, value, status in found:
            if not isinstance(source, dict):
                continue
            number, start, end = source.get("message"), source.get("start"), source.get("end")
            if not all(isinstance(v, int) and not isinstance(v, bool)
                       for v in (number, start, end)):
                continue
            if number not in texts or texts[number][start:end] != source.get("text") \
                    or not 0 <= start < end:
                continue
            rows.append({"intake_id": intake_id, "message": number, "start": start,
                         "end": end, "kind": kind, "value": value, "status": status})
    if rows:
        op.bulk_insert(mentions, rows)


def downgrade() -> None:
    op.drop_index("ix_intake_mentions_intake_message", table_name="intake_mentions")
    op.drop_table("intake_mentions")
    op.drop_table("intake_reviews")
    op.drop_index("ix_intake_notes_intake_id", table_name="intake_notes")
    op.drop_table("intake_notes")
    op.drop_index("ix_intake_corrections_intake_id", table_name="intake_corrections")
    op.drop_table("intake_corrections")
    op.drop_index("ix_audit_events_intake_id", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_staff_login_attempts_ip_at", table_name="staff_login_attempts")
    op.drop_index("ix_staff_login_attempts_email_at", table_name="staff_login_attempts")
    op.drop_table("staff_login_attempts")
    op.drop_table("staff_users")
