"""Extending an exhausted stratum: more permuted blocks from a new seed, numbered on, by a
study-wide data manager with a reason; nothing stored before changes."""

from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from tests.factories import make_patient
from tests.trial.test_randomization import load_list, randomize
from trial import protocol
from trial.models import AllocationEntry, AllocationList, AllocationSource, DataManagerAlert
from trial.randomization import (
    AllocationListInvalid,
    StratumExhausted,
    extend_stratum,
    extension_list,
    stratum_list,
)

KEY = "S01|synchronous"


def test_an_extension_numbers_on_and_keeps_blocks_balanced():
    planned = extension_list(KEY, seed=99, size=12, after_position=8, after_block=3)
    assert [e.position for e in planned] == list(range(9, 21))
    assert min(e.block for e in planned) == 4
    for block in {e.block for e in planned}:
        arms = Counter(e.arm for e in planned if e.block == block)
        assert arms[protocol.Arm.MAINTENANCE] == arms[protocol.Arm.FOLFOX_ALONE]
    again = extension_list(KEY, seed=99, size=12, after_position=8, after_block=3)
    assert again == planned
    # With the stratum's own seed an extension would repeat the list's arms, which anyone who
    # saw the first allocations could then foresee: hence a new seed is required.
    original = [e.arm for e in stratum_list(KEY, seed=11, size=12)]
    repeated = extension_list(KEY, seed=11, size=12, after_position=12, after_block=5)
    assert [e.arm for e in repeated] == original


def test_an_exhausted_stratum_randomizes_again_after_the_extension(inv_s01, datamanager, s01):
    load_list("S01", per_stratum=2)
    before = list(AllocationEntry.objects.filter(stratum__key=KEY).values_list("pk", "arm"))
    randomize(make_patient(s01), inv_s01)
    randomize(make_patient(s01), inv_s01)
    waiting = make_patient(s01)
    with pytest.raises(StratumExhausted):
        randomize(waiting, inv_s01)

    extension = extend_stratum(
        key=KEY, seed=2027, entries=4, acting_user=datamanager, reason="Site S01 recruits more"
    )
    assert (extension.source, extension.extends.key, extension.seed) == (
        AllocationSource.EXTENSION,
        KEY,
        2027,
    )
    history = extension.history.get()
    assert (history.history_user, history.history_change_reason) == (
        datamanager,
        "Site S01 recruits more",
    )
    stored = AllocationEntry.objects.filter(stratum__key=KEY).order_by("position")
    assert [e.position for e in stored] == [1, 2, 3, 4, 5, 6]
    assert list(stored.filter(position__lte=2).values_list("pk", "arm")) == before
    assert randomize(waiting, inv_s01).list_position == 3
    # The alert the exhausted stratum raised is answered by the extension.
    alert = DataManagerAlert.objects.get(stratum=KEY)
    assert (alert.resolved_by, alert.resolution) == (
        datamanager,
        "Stratum extended to position 6: Site S01 recruits more",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "  "}, "Give the reason for extending the stratum."),
        ({"seed": 11}, "Seed 11 was already used for stratum S01|synchronous"),
        ({"key": "S09|synchronous"}, "Stratum S09|synchronous has no list to extend."),
        ({"entries": 3}, "cannot be cut into blocks"),
    ],
)
def test_refusals_say_why_and_store_nothing(datamanager, s01, changes, message):
    load_list("S01", per_stratum=2, seed=11)
    arguments = {"key": KEY, "seed": 5, "entries": 4, "reason": "More", **changes}
    with pytest.raises(AllocationListInvalid, match=message):
        extend_stratum(acting_user=datamanager, **arguments)
    assert AllocationEntry.objects.filter(stratum__key=KEY).count() == 2
    assert not AllocationList.objects.filter(source=AllocationSource.EXTENSION).exists()


@pytest.mark.parametrize("persona", ["inv_s01", "mon_s01", "dm_s01"])
def test_only_study_wide_data_managers_extend(request, persona, s01):
    load_list("S01", per_stratum=2)
    with pytest.raises(PermissionDenied):
        extend_stratum(
            key=KEY, seed=5, entries=4, acting_user=request.getfixturevalue(persona), reason="x"
        )


def test_the_command_extends_and_its_dry_run_reproduces_the_stored_entries(
    datamanager, s01, capsys
):
    load_list("S01", per_stratum=2)
    call_command(
        "extend_allocation_list",
        "--stratum", KEY, "--seed", "77", "--entries", "4", "--reason", "More patients",
        "--user", "datamanager",
    )  # fmt: skip
    assert "extended by 4 entries" in capsys.readouterr().out
    call_command(
        "extend_allocation_list",
        "--stratum", KEY, "--seed", "77", "--entries", "4", "--dry-run", "--after", "2",
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()[1:]
    stored = AllocationEntry.objects.filter(stratum__key=KEY, position__gt=2).order_by("position")
    assert [line.split(",")[:3] for line in lines] == [
        [KEY, str(e.position), e.arm] for e in stored
    ]
    with pytest.raises(CommandError, match="already used"):
        call_command(
            "extend_allocation_list",
            "--stratum", KEY, "--seed", "77", "--entries", "4", "--reason", "Again",
        )  # fmt: skip


def test_a_data_manager_extends_a_stratum_in_the_admin(client, datamanager, s01):
    from django.urls import reverse

    from trial.models import AllocationStratum

    load_list("S01", per_stratum=2)
    stratum = AllocationStratum.objects.get(key=KEY)
    client.force_login(datamanager)
    changelist = reverse("admin:trial_allocationstratum_changelist")
    chosen = {"action": "extend", "_selected_action": [stratum.pk]}
    asked = client.post(changelist, chosen)
    assert asked.status_code == 200
    assert 'data-testid="extend-stratum"' in asked.content.decode()

    refused = client.post(changelist, {**chosen, "apply": "1", "seed": "11", "entries": "4"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "This field is required." in page  # the reason
    refused = client.post(
        changelist, {**chosen, "apply": "1", "seed": "11", "entries": "4", "reason": "More"}
    )
    assert "Seed 11 was already used" in refused.content.decode()
    assert stratum.entries.count() == 2

    done = client.post(
        changelist, {**chosen, "apply": "1", "seed": "12", "entries": "4", "reason": "More"}
    )
    assert done.status_code == 302
    assert stratum.entries.count() == 6
    extension = AllocationList.objects.get(source=AllocationSource.EXTENSION)
    assert (extension.extends, extension.created_by, extension.reason) == (
        stratum,
        datamanager,
        "More",
    )


def test_site_staff_cannot_reach_the_extension(client, dm_s01, s01):
    from django.urls import reverse

    from trial.models import AllocationStratum

    load_list("S01", per_stratum=2)
    stratum = AllocationStratum.objects.get(key=KEY)
    dm_s01.is_staff = True  # even with admin access
    dm_s01.save()
    client.force_login(dm_s01)
    response = client.post(
        reverse("admin:trial_allocationstratum_changelist"),
        {"action": "extend", "_selected_action": [stratum.pk], "apply": "1", "seed": "12",
         "entries": "4", "reason": "More"},
    )  # fmt: skip
    assert response.status_code == 403
    assert stratum.entries.count() == 2
