"""A long decision flow for the flowchart tests: 15 steps, long actions, a very long word, three roles."""

from __future__ import annotations

from helpers_docx import make_sop, step

ROLES = ("Sterile services technician", "Theatre nurse", "Infection control lead")
LONG = (
    "Load the instruments into the autoclave, close the door and run the 134 °C cycle for at least 3 minutes "
    "holding time, then check the printout of the cycle against the validated parameters"
)


def long_flow():
    """15 steps with decisions, long actions (one with a 60-letter word) and three roles."""
    steps = []
    for i in range(1, 16):
        role = ROLES[i % 3]
        if i in (4, 9, 13):
            steps.append(step(str(i), f"Is the result of check {i} within the limits written on the sheet?",
                              role, type_="Decision", if_yes=str(i + 1), if_no=str(i + 2)))  # fmt: skip
        elif i == 7:
            steps.append(step(str(i), "Record the batch as " + "Pseudohypoparathyroidism" * 3 + ".", role))
        else:
            steps.append(step(str(i), f"{LONG} (step {i}).", role))
    return make_sop(steps=tuple(steps), format="Flowchart")
