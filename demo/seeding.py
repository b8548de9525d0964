"""The writer of the deterministic Balikpapan demo data set behind ``manage.py seed_demo``.

It turns the story's fixed facts (``demo.data``) into rows, inserted wholesale (``demo.bulk``).
The data's dates are told relative to a fixed "now" (8 February 2018, WITA), so every
run produces the same receipts, NIKs and numbers; only the upcoming pickup days are placed
relative to today, so that residents trying the demo see dates in the near future.

This module builds history wholesale, so it is the one place that writes ``Receipt.status``
directly (in ``bulk_create``) instead of calling receipts.services: for every receipt it
writes, in the same transaction, the complete chain of events that the services would have
written (recorded -> queued -> printed -> dispatched -> ready -> collected), with the same
dates, actors and notes, and blank-batch counters equal to the cards it creates.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from demo.bulk import Plain, insert, insert_tuples, number_from, reset_sequences
from demo.data import (
    CANCEL_NOTES,
    COUNTER_HOURS,
    CUTOFF,
    DEMO_LAST_NAME,
    FAMILY,
    FEMALE_FIRST,
    HEAD_OFFICE,
    HOLD_NOTES,
    ID_DOCUMENT_TYPES,
    MALE_FIRST,
    MOVED_FROM,
    PLACEHOLDER_CONTACTS,
    SEED,
    SLUGS,
    STORY_NOW,
    STREETS,
    WITA,
    Counts,
)
from demo.identities import make_nik
from distribution.models import (
    BlankBatch,
    Card,
    Dispatch,
    DispatchItem,
    HandOver,
    IdDocumentType,
    Officer,
    PickupSchedule,
    PrintRun,
)
from distribution.printing_stats import printing_stats_refresh
from distribution.roles import CLERK_GROUP, DEMO_GROUP, STAFF_GROUP, SUPERVISOR_GROUP
from receipts import public_version
from receipts.models import (
    HeadOffice,
    Kecamatan,
    Kelurahan,
    Receipt,
    ReceiptEvent,
    Resident,
    Status,
)
from receipts.regions import region_rows

BATCH_SIZE = 2000


@dataclass
class _Row:
    """One receipt being built, with the facts its history needs."""

    receipt: "Plain"
    kecamatan: Kecamatan
    status: str
    group: str = ""
    events: list = field(default_factory=list)
    good_card: "Plain | None" = None


class DemoSeeder:
    """Build the whole data set. Call ``run()`` inside a transaction on an empty database."""

    def __init__(self, *, scale: float = 1.0, today: datetime.date | None = None):
        # Not for security: a fixed seed makes the demo data the same on every machine.
        self.rng = random.Random(SEED)  # noqa: S311
        self.counts = Counts.scaled(scale)
        self.today = today or timezone.localdate()
        self.nik_serials = Counter()
        self.day_serials = Counter()
        self.examples: dict[str, str] = {}

    # -- public ---------------------------------------------------------------------------

    def run(self) -> dict[str, str]:
        """Create everything; return {status: example receipt number}."""
        self._wilayah()
        self._accounts()
        self._id_documents()
        self._batches()
        self._receipts_and_history()
        self._schedules()
        HeadOffice.objects.update_or_create(pk=HeadOffice.SINGLETON_ID, defaults=HEAD_OFFICE)
        # The cards and batches above were written in bulk: compute the estimate's figures.
        printing_stats_refresh()
        public_version.bump()
        return self.examples

    # -- reference data and accounts ------------------------------------------------------

    def _wilayah(self):
        rows = region_rows()
        self.kecamatan: list[Kecamatan] = []
        self.weights: list[int] = []
        self.kelurahan: dict[int, list[Kelurahan]] = defaultdict(list)
        seen = {}
        for row in rows:
            code = row["kecamatan_code"]
            if code not in seen:
                slug = SLUGS[row["kecamatan_name"]]
                address, phone = PLACEHOLDER_CONTACTS[slug]
                seen[code] = Kecamatan.objects.create(
                    code=code,
                    name=row["kecamatan_name"],
                    slug=slug,
                    address=address,
                    counter_hours=COUNTER_HOURS,
                    phone=phone,
                    contact_is_placeholder=True,
                )
                self.kecamatan.append(seen[code])
                self.weights.append(int(row["kecamatan_printed_2016"]))
        kelurahan = Kelurahan.objects.bulk_create(
            [
                Kelurahan(
                    code=row["kelurahan_code"],
                    name=row["kelurahan_name"],
                    kecamatan=seen[row["kecamatan_code"]],
                )
                for row in rows
            ]
        )
        for kel in kelurahan:
            self.kelurahan[kel.kecamatan_id].append(kel)
        self.selatan = next(k for k in self.kecamatan if k.slug == "selatan")

    def _accounts(self):
        User = get_user_model()
        # One hash for every demo account: they share one published password anyway, and
        # hashing it 13 times would cost seconds of `make run` for nothing.
        password = make_password(settings.DEMO_PASSWORD)
        groups = {g.name: g for g in Group.objects.all()}
        demo_group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
        self.staf = User.objects.create(
            username="staf",
            password=password,
            first_name="Staf Disdukcapil",
            last_name=DEMO_LAST_NAME,
            is_staff=True,
        )
        self.staf.groups.add(groups[STAFF_GROUP], demo_group)
        self.clerks, self.supervisors = {}, {}
        for kec in self.kecamatan:
            for role, prefix, group, store in (
                (Officer.Role.CLERK, "loket", CLERK_GROUP, self.clerks),
                (Officer.Role.SUPERVISOR, "spv", SUPERVISOR_GROUP, self.supervisors),
            ):
                user = User.objects.create(
                    username=f"{prefix}.{kec.slug}",
                    password=password,
                    first_name=f"{Officer.Role(role).label} {kec.name}",
                    last_name=DEMO_LAST_NAME,
                )
                user.groups.add(groups[group], demo_group)
                Officer.objects.create(user=user, kecamatan=kec, role=role, is_demo=True)
                store[kec.pk] = user

    def _id_documents(self):
        IdDocumentType.objects.bulk_create(
            [IdDocumentType(name=name, order=i) for i, name in enumerate(ID_DOCUMENT_TYPES)]
        )
        self.id_documents = list(IdDocumentType.objects.all())

    def _batches(self):
        c = self.counts
        self.batch_2016 = BlankBatch.objects.create(
            reference="470/0316/DUKCAPIL/III/2016",
            quantity=c.blanks_2016,
            received_on=datetime.date(2016, 3, 14),
            note="Batch 2016 (10.000 blanko; 9.387 dicetak menurut pemberitaan).",
            created_at=datetime.datetime(2016, 3, 14, 10, 0, tzinfo=WITA),
        )
        self.batch_2018 = BlankBatch.objects.create(
            reference="470/0112/DUKCAPIL/I/2018",
            quantity=c.blanks_2018,
            received_on=datetime.date(2018, 1, 10),
            note="Kiriman Ditjen Dukcapil Kemendagri, Januari 2018.",
            created_at=datetime.datetime(2018, 1, 10, 10, 0, tzinfo=WITA),
        )
        # Blanks are consumed oldest batch first: what the 2016 printing left over goes first.
        self.blank_counter = {self.batch_2016.pk: 0, self.batch_2018.pk: 0}
        self.batch_used = Counter()
        self.batch_spoiled = Counter()

    # -- people and receipts --------------------------------------------------------------

    def _pick_kecamatan(self) -> Kecamatan:
        return self.rng.choices(self.kecamatan, weights=self.weights)[0]

    def _name(self, sex: str) -> str:
        rng = self.rng
        first = rng.choice(MALE_FIRST if sex == "L" else FEMALE_FIRST)
        parts = [first]
        roll = rng.random()
        if roll < 0.45:
            parts.append(rng.choice(MALE_FIRST if sex == "L" else FEMALE_FIRST))
        if roll > 0.15:
            parts.append(rng.choice(FAMILY))
        # Avoid "Muhammad Muhammad": fall back to a family name.
        if len(parts) > 1 and parts[1] == parts[0]:
            parts[1] = rng.choice(FAMILY)
        return " ".join(parts)

    def _resident(self, kecamatan: Kecamatan) -> Resident:
        rng = self.rng
        sex = "L" if rng.random() < 0.5 else "P"
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 18600))
        district = kecamatan.code
        if rng.random() < 0.06:
            # Moved: the NIK keeps the district where it was first issued.
            district = rng.choice(MOVED_FROM + [k.code for k in self.kecamatan])
        key = (district, birth, sex)
        self.nik_serials[key] += 1
        kel = rng.choice(self.kelurahan[kecamatan.pk])
        return Plain(
            nik=make_nik(
                district_code=district, birth_date=birth, sex=sex, serial=self.nik_serials[key]
            ),
            full_name=self._name(sex),
            birth_date=birth,
            sex=sex,
            kelurahan_id=kel.pk,
            email="",
            address=f"{rng.choice(STREETS)} RT {rng.randint(1, 60):02d} No. {rng.randint(1, 120)}",
            phone=f"08{rng.randint(11, 59)}{rng.randint(10000000, 99999999)}"
            if rng.random() < 0.6
            else "",
            created_at=STORY_NOW,
            updated_at=STORY_NOW,
        )

    def _recorded_at(self, start: datetime.date, end: datetime.date) -> datetime.datetime:
        day = start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))
        if day.weekday() == 6:  # offices are closed on Sunday
            day += datetime.timedelta(days=1 if day < end else -1)
        minutes = self.rng.randrange(8 * 60, 15 * 60)
        return datetime.datetime(
            day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=WITA
        )

    def _number(self, at: datetime.datetime) -> str:
        day = at.date()
        self.day_serials[day] += 1
        return f"BPN{day:%y%m%d}{self.day_serials[day]:04d}"

    def _plan(self):
        """Decide every receipt's kecamatan, dates and final status, oldest first."""
        c = self.counts
        plan = []  # (status, recorded_at, kecamatan, group)

        def add(group, status, n, start, end):
            for i in range(n):
                # The first receipt of every kind is in Balikpapan Selatan, so that the
                # printed examples all point to the kecamatan of the story.
                kec = self.selatan if i == 0 else self._pick_kecamatan()
                plan.append((status, self._recorded_at(start, end), kec, group))

        add(
            "2016",
            Status.COLLECTED,
            c.collected_2016,
            datetime.date(2014, 10, 1),
            datetime.date(2016, 2, 29),
        )
        # The 2018 printing took receipts oldest first: the earliest went to the kecamatan,
        # the later ones are still printing. Their dates overlap only through sorting below.
        eligible = c.ready + c.collected + c.dispatched + c.printed + c.queued
        eligible_plan = []
        for _ in range(eligible):
            eligible_plan.append(self._recorded_at(datetime.date(2016, 3, 1), CUTOFF))
        eligible_plan.sort()
        stages = (
            [("received", Status.READY)] * (c.ready + c.collected)
            + [("sent", Status.DISPATCHED)] * c.dispatched
            + [("printed", Status.PRINTED)] * c.printed
            + [("queued", Status.QUEUED)] * c.queued
        )
        received_collected = set(self.rng.sample(range(c.ready + c.collected), c.collected))
        first_of = set()
        for i, (at, (group, status)) in enumerate(zip(eligible_plan, stages, strict=True)):
            if group == "received" and i in received_collected:
                status = Status.COLLECTED
            kec = self._pick_kecamatan()
            if status not in first_of:
                first_of.add(status)
                kec = self.selatan
            plan.append((status, at, kec, group))
        add("hold", Status.ON_HOLD, c.on_hold, datetime.date(2016, 6, 1), CUTOFF)
        add("cancel", Status.CANCELLED, c.cancelled, datetime.date(2016, 3, 1), STORY_NOW.date())
        add(
            "waiting",
            Status.RECORDED,
            c.recorded,
            CUTOFF + datetime.timedelta(days=1),
            STORY_NOW.date(),
        )
        return plan

    def _receipts_and_history(self):
        plan = self._plan()
        residents = []
        receipts = []
        for _status, _at, kec, _group in plan:
            residents.append(self._resident(kec))
        number_from(Resident, residents)
        insert(
            Resident,
            residents,
            ["id", "nik", "full_name", "birth_date", "sex", "kelurahan", "address", "phone"]
            + ["email", "created_at", "updated_at"],
        )
        # Numbers are given in recording order, as the counter printed them.
        order = sorted(range(len(plan)), key=lambda i: plan[i][1])
        numbers = [None] * len(plan)
        for i in order:
            numbers[i] = self._number(plan[i][1])
        rows: list[_Row] = []
        for (status, recorded_at, kec, group), resident, number in zip(
            plan, residents, numbers, strict=True
        ):
            receipt = Plain(
                number=number,
                resident_id=resident.id,
                collected_at=None,
                recorded_at=recorded_at,
                recorded_place=self.rng.choice(
                    ["Disdukcapil Kota Balikpapan", f"Kantor Kecamatan {kec.name}"]
                ),
                collection_kecamatan_id=kec.pk,
                status=status,
                status_changed_at=recorded_at,
                created_at=recorded_at,
            )
            row = _Row(receipt=receipt, kecamatan=kec, status=status, group=group)
            row.events.append(("", Status.RECORDED, recorded_at, None, ""))
            rows.append(row)
            receipts.append(receipt)

        number_from(Receipt, receipts)
        self._history(rows)
        for row in rows:
            last = row.events[-1]
            row.receipt.status_changed_at = last[2]
            if row.status == Status.COLLECTED:
                row.receipt.collected_at = last[2]
        # Status written directly: see the module docstring (history built wholesale).
        insert(
            Receipt,
            receipts,
            ["id", "number", "resident", "recorded_at", "recorded_place"]
            + ["collection_kecamatan", "status", "status_changed_at", "collected_at", "created_at"],
        )
        self._save_cards_and_distribution(rows)
        insert_tuples(
            ReceiptEvent,
            ["receipt", "from_status", "to_status", "at", "actor", "note"],
            (
                (row.receipt.id, frm, to, at, actor.pk if actor else None, note)
                for row in rows
                for frm, to, at, actor, note in row.events
            ),
        )
        reset_sequences(Resident, Receipt, Card)
        BlankBatch.objects.filter(pk=self.batch_2016.pk).update(
            used=self.batch_used[self.batch_2016.pk],
            spoiled=self.batch_spoiled[self.batch_2016.pk],
        )
        BlankBatch.objects.filter(pk=self.batch_2018.pk).update(
            used=self.batch_used[self.batch_2018.pk],
            spoiled=self.batch_spoiled[self.batch_2018.pk],
        )
        for row in rows:
            # Prefer this year's cards (not the 2016 batch) in Balikpapan Selatan.
            if (
                row.kecamatan.pk == self.selatan.pk
                and row.group != "2016"
                and row.status not in self.examples
            ):
                self.examples[row.status] = row.receipt.number
        for row in rows:  # fall back to any kecamatan (only at tiny scales)
            self.examples.setdefault(row.status, row.receipt.number)

    # -- printing, dispatch, hand-over ----------------------------------------------------

    def _take_blank(self):
        """Return (batch, serial) of the next blank, oldest batch first."""
        for batch, prefix in ((self.batch_2016, "BLK16"), (self.batch_2018, "BLK18")):
            n = self.blank_counter[batch.pk]
            if n < batch.quantity:
                self.blank_counter[batch.pk] = n + 1
                return batch, f"{prefix}{n + 1:07d}"
        raise RuntimeError("seed_demo ran out of blanks: the counts do not add up")

    def _history(self, rows: list[_Row]):
        """Plan print runs, cards, dispatches and hand-overs, and append the events."""
        rng = self.rng
        self.runs, self.cards, self.dispatches, self.items, self.handovers = [], [], [], [], []
        by_group = defaultdict(lambda: defaultdict(list))
        for row in rows:
            by_group[row.group][row.kecamatan.pk].append(row)

        stage_dates = {
            # group: (run created, printed, sent, received) as day offsets from a start date
            "2016": datetime.datetime(2016, 3, 16, 9, 0, tzinfo=WITA),
            "received": datetime.datetime(2018, 1, 12, 9, 0, tzinfo=WITA),
            "sent": datetime.datetime(2018, 2, 1, 9, 0, tzinfo=WITA),
            "printed": datetime.datetime(2018, 2, 2, 9, 0, tzinfo=WITA),
            "queued": datetime.datetime(2018, 2, 7, 9, 0, tzinfo=WITA),
        }
        # A few misprints, spread over the printed (not merely queued) 2018 cards.
        candidates = [id(row) for row in rows if row.group in ("received", "sent", "printed")]
        to_spoil = set(self.rng.sample(candidates, min(self.counts.spoiled, len(candidates))))
        for group in ("2016", "received", "sent", "printed", "queued"):
            start = stage_dates[group]
            for k_index, kec in enumerate(self.kecamatan):
                members = by_group[group].get(kec.pk, [])
                if not members:
                    continue
                members.sort(key=lambda r: r.receipt.recorded_at)
                created = start + datetime.timedelta(minutes=30 * k_index)
                printed_at = created + datetime.timedelta(days=2, hours=k_index)
                sent_at = printed_at + datetime.timedelta(days=1)
                received_at = sent_at + datetime.timedelta(hours=20 + k_index)
                run = PrintRun(
                    kecamatan=kec,
                    requested=len(members),
                    allocated=len(members),
                    cutoff_date=datetime.date(2016, 2, 29) if group == "2016" else CUTOFF,
                    state=PrintRun.State.ALLOCATED if group == "queued" else PrintRun.State.PRINTED,
                    created_by=self.staf,
                    created_at=created,
                    printed_at=None if group == "queued" else printed_at,
                )
                self.runs.append(run)
                dispatch = None
                if group in ("2016", "received", "sent"):
                    dispatch = Dispatch(
                        kecamatan=kec,
                        state=Dispatch.State.SENT if group == "sent" else Dispatch.State.RECEIVED,
                        sent_at=sent_at,
                        sent_by=self.staf,
                        received_at=None if group == "sent" else received_at,
                        received_by=None if group == "sent" else self.supervisors[kec.pk],
                        note="",
                    )
                    self.dispatches.append(dispatch)
                position = 0
                reprints = []
                for row in members:
                    row.events.append(
                        (Status.RECORDED, Status.QUEUED, created, self.staf, _run_note(run))
                    )
                    if id(row) in to_spoil:
                        # A misprint: the blank is spoiled and the receipt goes back to the
                        # front of the queue; it is reprinted at the end of the same run.
                        position += 1
                        batch, serial = self._take_blank()
                        self.batch_spoiled[batch.pk] += 1
                        spoiled_at = printed_at - datetime.timedelta(hours=1)
                        self.cards.append(
                            (
                                row,
                                Plain(
                                    serial=serial,
                                    print_run=run,
                                    batch=batch,
                                    position=position,
                                    outcome=Card.Outcome.SPOILED,
                                    printed_at=None,
                                    spoiled_at=spoiled_at,
                                ),
                            )
                        )
                        row.events.append(
                            (
                                Status.QUEUED,
                                Status.RECORDED,
                                spoiled_at,
                                self.staf,
                                "Kartu rusak saat dicetak; resi kembali ke depan antrean.",
                            )
                        )
                        row.events.append(
                            (Status.RECORDED, Status.QUEUED, spoiled_at, self.staf, _run_note(run))
                        )
                        reprints.append(row)
                        continue
                    position += 1
                    self._good_card(row, run, position, group, printed_at)
                for row in reprints:
                    position += 1
                    self._good_card(row, run, position, group, printed_at)
                run.allocated = position
                run.requested = max(run.requested, position)
                for row in members:
                    if group == "queued":
                        continue
                    row.events.append((Status.QUEUED, Status.PRINTED, printed_at, self.staf, ""))
                    if dispatch is None:
                        continue
                    self.items.append(
                        (
                            dispatch,
                            row,
                            DispatchItem(
                                dispatch=dispatch,
                                arrived=None if group == "sent" else True,
                            ),
                        )
                    )
                    row.events.append(
                        (
                            Status.PRINTED,
                            Status.DISPATCHED,
                            sent_at,
                            self.staf,
                            f"Dikirim ke kecamatan {kec.name}.",
                        )
                    )
                    if group == "sent":
                        continue
                    row.events.append(
                        (
                            Status.DISPATCHED,
                            Status.READY,
                            received_at,
                            self.supervisors[kec.pk],
                            f"Kartu sampai di kecamatan {kec.name}.",
                        )
                    )
                    if row.status == Status.COLLECTED:
                        self._hand_over(row, kec, received_at, group)

        # Receipts outside the printing: on hold or cancelled.
        for row in rows:
            if row.group == "hold":
                at = row.receipt.recorded_at + datetime.timedelta(days=rng.randint(20, 200))
                row.events.append(
                    (Status.RECORDED, Status.ON_HOLD, at, self.staf, rng.choice(HOLD_NOTES))
                )
            elif row.group == "cancel":
                at = min(
                    row.receipt.recorded_at + datetime.timedelta(days=rng.randint(5, 120)),
                    STORY_NOW - datetime.timedelta(days=1),
                )
                at = max(at, row.receipt.recorded_at + datetime.timedelta(hours=1))
                row.events.append(
                    (Status.RECORDED, Status.CANCELLED, at, self.staf, rng.choice(CANCEL_NOTES))
                )

    def _good_card(self, row, run, position, group, printed_at):
        batch, serial = self._take_blank()
        self.batch_used[batch.pk] += 1
        card = Plain(
            serial=serial,
            print_run=run,
            batch=batch,
            position=position,
            outcome=Card.Outcome.QUEUED if group == "queued" else Card.Outcome.PRINTED,
            printed_at=None if group == "queued" else printed_at,
            spoiled_at=None,
        )
        row.good_card = card
        self.cards.append((row, card))

    def _hand_over(self, row, kec, received_at, group):
        rng = self.rng
        if group == "2016":
            handed = received_at + datetime.timedelta(days=rng.randint(1, 280))
        else:
            span = max(1, int((STORY_NOW - received_at).total_seconds() // 3600) - 2)
            handed = received_at + datetime.timedelta(hours=rng.randint(1, span))
        handed = handed.replace(hour=rng.randint(8, 14), minute=rng.randrange(60))
        if handed <= received_at:
            handed = received_at + datetime.timedelta(hours=1)
        proxy = rng.random() < 0.15
        doc = rng.choice(self.id_documents)
        handover = Plain(
            kecamatan=kec,
            clerk=self.clerks[kec.pk],
            handed_at=handed,
            collected_by=HandOver.CollectedBy.PROXY if proxy else HandOver.CollectedBy.RESIDENT,
            identity_check=rng.choice(HandOver.IdentityCheck.values),
            id_document_type=None,
            id_document_number="",
            proxy_name="",
            proxy_relationship="",
            proxy_authority="",
            note="",
            undo_reason="",
        )
        if proxy:
            sex = rng.choice("LP")
            handover.proxy_name = self._name(sex)
            handover.proxy_relationship = rng.choice(
                ["Suami", "Istri", "Anak", "Orang tua", "Saudara kandung"]
            )
            handover.proxy_authority = rng.choice(HandOver.ProxyAuthority.values)
            handover.identity_check = HandOver.IdentityCheck.DOCUMENT
            handover.id_document_type = doc
            handover.id_document_number = f"{rng.randint(10**9, 10**10 - 1)}"
        elif handover.identity_check == HandOver.IdentityCheck.DOCUMENT:
            handover.id_document_type = doc
            handover.id_document_number = f"{rng.randint(10**9, 10**10 - 1)}"
        self.handovers.append((row, handover))
        row.events.append(
            (Status.READY, Status.COLLECTED, handed, self.clerks[kec.pk], "Diserahkan di loket.")
        )

    def _save_cards_and_distribution(self, rows):
        PrintRun.objects.bulk_create(self.runs, batch_size=BATCH_SIZE)
        Dispatch.objects.bulk_create(self.dispatches, batch_size=BATCH_SIZE)
        # Runs and receipts have their primary keys now; Django fills in the foreign keys of
        # objects that were linked to them before they were saved.
        cards = [card for _, card in self.cards]
        number_from(Card, cards)
        for row, card in self.cards:
            card.receipt_id = row.receipt.id
            card.print_run_id = card.print_run.pk
            card.batch_id = card.batch.pk
        insert(
            Card,
            cards,
            ["id", "serial", "receipt", "print_run", "batch", "position", "outcome"]
            + ["printed_at", "spoiled_at"],
        )
        insert_tuples(
            DispatchItem,
            ["dispatch", "card", "arrived", "note"],
            (
                (dispatch.pk, row.good_card.id, item.arrived, "")
                for dispatch, row, item in self.items
            ),
        )
        handovers = []
        for row, handover in self.handovers:
            handover.receipt_id = row.receipt.id
            handover.card_id = row.good_card.id
            handover.kecamatan_id = handover.kecamatan.pk
            handover.clerk_id = handover.clerk.pk
            handover.id_document_type_id = (
                handover.id_document_type.pk if handover.id_document_type else None
            )
            handovers.append(handover)
        insert(
            HandOver,
            handovers,
            ["receipt", "card", "kecamatan", "clerk", "handed_at", "collected_by"]
            + ["identity_check", "id_document_type", "id_document_number", "proxy_name"]
            + ["proxy_relationship", "proxy_authority", "note", "undo_reason"],
        )

    # -- pickup schedules -----------------------------------------------------------------

    def _schedules(self):
        story_days = _weekdays(datetime.date(2018, 2, 12), 10)
        upcoming = _weekdays(self.today + datetime.timedelta(days=1), 10)
        slots = []  # (kecamatan, kelurahan or None for all, day, closing hour, note)
        for kec in self.kecamatan:
            if kec.slug == "selatan":
                # As in the story: Balikpapan Selatan splits pickup days by kelurahan.
                note = "Bawa resi asli. Khusus warga kelurahan ini."
                for days in (story_days, upcoming):
                    pairs = zip(self.kelurahan[kec.pk], days, strict=False)
                    slots += [(kec, kel, day, 12, note) for kel, day in pairs]
            else:
                for days in (story_days[:5], upcoming[:5]):
                    slots += [(kec, None, day, 15, "Bawa resi asli.") for day in days]
        PickupSchedule.objects.bulk_create(
            PickupSchedule(
                kecamatan=kec,
                kelurahan=kel,
                date=day,
                start_time=datetime.time(8, 0),
                end_time=datetime.time(closing, 0),
                place=f"Aula Kantor Kecamatan {kec.name}",
                note=note,
            )
            for kec, kel, day, closing, note in slots
        )


def _weekdays(start: datetime.date, n: int) -> list[datetime.date]:
    days, day = [], start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _run_note(run: PrintRun) -> str:
    return f"Masuk proses cetak {run.created_at.astimezone(WITA):%d-%m-%Y}."


def database_is_empty() -> bool:
    """True when there is no region, resident, receipt, batch or demo account yet."""
    User = get_user_model()
    return not (
        Kecamatan.objects.exists()
        or Resident.objects.exists()
        or Receipt.objects.exists()
        or BlankBatch.objects.exists()
        or User.objects.filter(username="staf").exists()
    )
