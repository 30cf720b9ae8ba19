"""Initial intake tables.

intakes, with intake_conditions, intake_goals, appointment_requests, contacts and
transcript_messages hanging off it.

Revision ID: 0001
Revises:
Create Date: 2024-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def intake_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["intake_id"], ["intakes.id"], ondelete="CASCADE",
        name=f"fk_{table}_intake_id_intakes",
    )


def upgrade() -> None:
    op.create_table(
        "intakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("intake_key", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("client_type", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("safety_outcome", sa.String(length=32), nullable=False),
        sa.Column("red_flags", sa.JSON(), nullable=False),
        sa.Column("cautions", sa.JSON(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intakes"),
        sa.UniqueConstraint("intake_key", name="uq_intakes_intake_key"),
    )
    op.create_index("ix_intakes_conversation_id", "intakes", ["conversation_id"])
    op.create_index("ix_intakes_created_at", "intakes", ["created_at"])
    op.create_index("ix_intakes_status", "intakes", ["status"])

    op.create_table(
        "intake_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body_part", sa.String(length=32), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=True),
        intake_fk("intake_conditions"),
        sa.PrimaryKeyConstraint("id", name="pk_intake_conditions"),
    )
    op.create_index("ix_intake_conditions_intake_id", "intake_conditions", ["intake_id"])

    op.create_table(
        "intake_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("goal", sa.String(length=64), nullable=False),
        intake_fk("intake_goals"),
        sa.PrimaryKeyConstraint("id", name="pk_intake_goals"),
        sa.UniqueConstraint("intake_id", "goal", name="uq_intake_goals_intake_id_goal"),
    )

    op.create_table(
        "appointment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("appointment_type", sa.String(length=64), nullable=True),
        sa.Column("preferred_times", sa.Text(), nullable=True),
        sa.Column("referral", sa.Boolean(), nullable=True),
        sa.Column("insurance", sa.Text(), nullable=True),
        intake_fk("appointment_requests"),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_requests"),
        sa.UniqueConstraint("intake_id", name="uq_appointment_requests_intake_id"),
    )

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        intake_fk("contacts"),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.UniqueConstraint("intake_id", name="uq_contacts_intake_id"),
    )

    op.create_table(
        "transcript_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        intake_fk("transcript_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_transcript_messages"),
        sa.UniqueConstraint(
            "intake_id", "position", name="uq_transcript_messages_intake_id_position"
        ),
    )


def downgrade() -> None:
    op.drop_table("transcript_messages")
    op.drop_table("contacts")
    op.drop_table("appointment_requests")
    op.drop_table("intake_goals")
    op.drop_index("ix_intake_conditions_intake_id", table_name="intake_conditions")
    op.drop_table("intake_conditions")
    op.drop_index("ix_intakes_status", table_name="intakes")
    op.drop_index("ix_intakes_created_at", table_name="intakes")
    op.drop_table("intakes")
