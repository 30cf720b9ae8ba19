"""SMS: who a conversation belongs to, opt-outs, and the messages Twilio delivered.

sms_senders (conversation id -> E.164 number), sms_opt_outs (by number) and sms_messages
(MessageSid, for de-duplication and the per-number throttle; no text, no number).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_senders",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_sms_senders"),
    )
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name="pk_sms_opt_outs"),
    )
    op.create_table(
        "sms_messages",
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("message_sid", name="pk_sms_messages"),
    )
    op.create_index("ix_sms_messages_received_at", "sms_messages", ["received_at"])
    op.create_index("ix_sms_messages_conversation_received", "sms_messages",
                    ["conversation_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_messages_conversation_received", table_name="sms_messages")
    op.drop_index("ix_sms_messages_received_at", table_name="sms_messages")
    op.drop_table("sms_messages")
    op.drop_table("sms_opt_outs")
    op.drop_table("sms_senders")
