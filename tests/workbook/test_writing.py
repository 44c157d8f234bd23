"""The writing checks' rules on texts, in English and French, and on whole SOPs (binder.workbook.writing)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import wb

from binder.workbook.load import check_workbook
from binder.workbook.writing import STYLE_CODES, check_writing, english, french
from binder.workbook.writing.checks import action_problems, undefined_terms
from binder.workbook.writing.readability import reading_ease


def codes(text: str, lang: str = "en", kind: str = "Action") -> list[str]:
    return sorted(p.code for p in action_problems(text, lang, kind=kind))


@pytest.mark.parametrize(
    ("text", "rewrite"),
    [
        ("The form should be checked.", "Check the form"),
        ("The clerk checks the form against the order.", "Check the form against the order"),
        ("All invoices must be approved by the finance manager before payment.", "Approve all invoices before payment"),
        ("It is important to check the seal.", "Check the seal"),
        ("Manager approves the request", "Approve the request"),
    ],
)
def test_english_verb_first_suggests_the_imperative(text, rewrite):
    assert english.verb_first(text) == rewrite


@pytest.mark.parametrize(
    ("text", "rewrite"),
    [
        ("Le bon doit être vérifié.", "Vérifier le bon"),
        ("Il faut vérifier le scellé.", "Vérifier le scellé"),
        ("Le dossier est transmis au service comptable.", "Transmettre le dossier au service comptable"),
        ("Le magasinier vérifie le bon.", "Vérifier le bon"),
    ],
)
def test_french_verb_first_suggests_the_infinitive(text, rewrite):
    assert french.verb_first(text) == rewrite


@pytest.mark.parametrize(
    "text",
    [
        "Check the delivery note.",
        "If the seal is broken, reject the delivery.",
        "Please email the supplier.",
        "Carefully lift the box.",
        "Do not accept bank details sent by email alone.",
        "Re-scan the label.",
        "SAP: post the invoice.",  # a name binder does not know: not judged
    ],
)
def test_english_instructions_pass(text):
    assert codes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Vérifier le bon de livraison.",
        "Vérifiez le bon de livraison.",
        "Si le scellé est cassé, refuser la livraison.",
        "Quand le camion arrive, le diriger vers le quai 3.",
        "Ne pas ouvrir le colis.",
        "N'ouvrir que les colis étiquetés.",
        "S'assurer que la porte est fermée.",
        "Classer le dossier et le fichier dans l'armoire.",
    ],
)
def test_french_instructions_pass(text):
    assert codes(text, "fr") == []


def test_a_decision_and_an_end_step_are_not_instructions():
    assert codes("Is the seal broken?", kind="Decision") == []
    assert codes("The goods are stored in the cage.", kind="End") == ["passive-voice"]  # passive, not verb-first
    assert codes("The goods are stored in the cage.") == ["passive-voice", "verb-first"]


def test_passive_voice_only_in_the_instruction_itself():
    assert english.passive("The cash drawer is counted at the end of each shift.") == "is counted"
    assert english.passive("Seal numbers need to be recorded.") == "be recorded"
    assert english.passive("Check that the invoice is signed.") is None
    assert english.passive("Tell the customer the refund has been made.") is None
    assert english.passive("Return the form once it has been signed, the copy is then archived.") == "is then archived"
    assert french.passive("Les fiches sont revues chaque semaine.") == "sont revues"
    assert french.passive("Vérifier que la facture est signée.") is None
    assert french.passive("Le chauffeur est arrivé.") is None  # a verb of motion with être is not passive


def test_one_action_counts_instructions_and_not_jumps():
    assert english.instructions("Check the form and then file it and email the manager") == 3
    assert english.instructions("Check the form and go to step 6.") == 1
    assert english.instructions("Sign and date the form.") == 1
    assert english.instructions("Collect the laptop and badge from the leaver.") == 1
    assert french.instructions("Vérifier le bon et le classer puis envoyer un courriel au responsable.") == 3
    assert french.instructions("Vérifier le formulaire et passer à l'étape 6.") == 1
    assert french.instructions("Réserver la salle et le déjeuner des visiteurs.") == 1
    assert codes("Check the form and then file it and email the manager") == ["one-action"]


def test_step_length_counts_words_over_25():
    assert codes(" ".join(["Check"] + ["the form"] * 12)) == []  # 25 words
    long = codes(" ".join(["Check"] + ["the form"] * 13))
    assert long == ["step-length"]


def test_undefined_terms_are_acronyms_in_no_definition():
    assert undefined_terms("Match the GRN to the PO and check the SLA.", ["PO (purchase order)", "GRN"]) == ["SLA"]
    assert undefined_terms("Do NOT send the PDF in EUR; see FIN-001 and the CoA.", []) == ["CoA"]


def test_readability_scores_hard_text_low_and_short_text_not_at_all():
    hard = (
        "Notwithstanding the aforementioned considerations, reconciliation of intercompany receivables "
        "necessitates comprehensive documentation attesting to verification of counterparty confirmations."
    )
    plain = "Keep the receipt. Without it we cannot pay the claim back to you, so put it in the envelope."
    assert reading_ease(hard, "en") < 0 < 60 < reading_ease(plain, "en")
    assert reading_ease("Check the form.", "en") is None
    french_hard = (
        "La responsabilité administrative relative à l'autorisation des dépenses exceptionnelles incombe au "
        "représentant budgétaire désigné de l'unité organisationnelle."
    )
    assert reading_ease(french_hard, "fr") < 40


# ---------------------------------------------------------------- whole SOPs, through a real workbook


def library(tmp_path: Path, change=None):
    data = wb.base()
    if change:
        change(data)
    lib, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    assert not any(p.is_error for p in problems), [p.format() for p in problems]
    return lib


def test_the_test_workbook_is_well_written(tmp_path):
    assert check_writing(library(tmp_path)) == ()


def test_each_warning_has_its_cell_sop_and_a_suggestion(tmp_path):
    def change(data):
        data["Steps"][0]["Action"] = "The timesheets should be collected by the clerk."

    (problem, passive) = check_writing(library(tmp_path, change))
    assert (problem.code, problem.where, problem.sop_id) == ("verb-first", wb.cell("Steps", "Action", 0), "FIN-001")
    assert problem.message == (
        'step 1 of FIN-001 does not start with what to do ("The timesheets should be collected by the clerk.")'
    )
    assert problem.hint == 'start with the verb, e.g. "Collect the timesheets"'
    assert (passive.code, passive.where) == ("passive-voice", wb.cell("Steps", "Action", 0))
    assert {problem.code, passive.code} <= STYLE_CODES


def test_too_many_steps_points_at_the_eleventh_main_step(tmp_path):
    def change(data):
        data["Steps"] = [r for r in data["Steps"] if r["SOP ID"] != "OPS-002"]
        for n in range(1, 12):
            data["Steps"].append({"SOP ID": "OPS-002", "Step": str(n), "Action": f"Count shelf {n}."})
        data["Steps"].append({"SOP ID": "OPS-002", "Step": "11.1", "Action": "Count the top shelf."})

    found = [p for p in check_writing(library(tmp_path, change)) if p.code == "too-many-steps"]
    row = next(i for i, r in enumerate(wb.base()["Steps"]) if r["SOP ID"] == "OPS-002")
    assert [(p.where, p.message) for p in found] == [
        (wb.cell("Steps", "Step", row + 10 - 1 + 1), "OPS-002 has 11 main steps (more than 10)")
    ]


def test_missing_sections_of_an_approved_sop_and_the_department_help_contact(tmp_path):
    def change(data):
        ops = data["SOPs"][1]
        ops["Audience"] = ops["Policy"] = ops["Help contact"] = ""
        data["FAQ"] = [r for r in data["FAQ"] if r["SOP ID"] != "OPS-001"]
        data["KPIs"] = [r for r in data["KPIs"] if r["SOP ID"] != "OPS-001"]

    found = [(p.where, p.message) for p in check_writing(library(tmp_path, change)) if p.code == "missing-section"]
    assert found == [
        (wb.cell("SOPs", "Audience", 1), "OPS-001 is Approved but has no Audience"),
        (wb.cell("SOPs", "Policy", 1), "OPS-001 is Approved but has no Policy"),
        (wb.cell("SOPs", "Help contact", 1), "OPS-001 is Approved but has no Help contact"),
        (wb.cell("SOPs", "SOP ID", 1), "OPS-001 is Approved but has no FAQ row"),
        (wb.cell("SOPs", "SOP ID", 1), "OPS-001 is Approved but has no KPI"),
    ]
    # FIN-001 has no Help contact of its own: its department's is printed, so nothing is missing
    assert not any("FIN-001" in message for _, message in found)


def test_undefined_term_once_per_sop_and_shared_definitions_count(tmp_path):
    def change(data):
        data["Steps"][0]["Action"] = "Collect the GRN and the SLA sheet."
        data["Steps"][1]["Details"] = "Enter the GRN number."
        data["Definitions"].append({"SOP ID": "", "Term": "SLA", "Definition": "Service level agreement"})

    found = [p for p in check_writing(library(tmp_path, change)) if p.code == "undefined-term"]
    assert [(p.where, p.message) for p in found] == [
        (wb.cell("Steps", "Action", 0), 'FIN-001 uses "GRN" without defining it')
    ]


def test_readability_threshold_is_a_setting_and_retired_sops_are_not_checked(tmp_path):
    hard = (
        "Administrative responsibility for the authorisation of exceptional expenditure resides with the "
        "organisational unit's designated budgetary representative."
    )

    def change(data):
        data["SOPs"][0]["Scope"] = hard

    lib = library(tmp_path, change)
    found = [p for p in check_writing(lib) if p.code == "readability"]
    assert [p.where for p in found] == [wb.cell("SOPs", "Scope", 0)]
    assert "Flesch reading ease -" in found[0].message and "under 40" in found[0].message
    assert [p for p in check_writing(lib, threshold=-100) if p.code == "readability"] == []
    retired = replace(lib, sops=tuple(replace(s, status="Retired") for s in lib.sops))
    assert check_writing(retired) == ()


def test_french_workbook_is_checked_in_french(tmp_path):
    def change(data):
        data["Settings"] = [r for r in data["Settings"] if r["Key"] != "Language"] + [
            {"Key": "Language", "Value": "fr"}
        ]
        data["Steps"][0]["Action"] = "Les feuilles de temps doivent être collectées."
        data["Steps"][1]["Action"] = "Saisir les heures dans le logiciel de paie."

    found = [
        (p.code, p.hint) for p in check_writing(library(tmp_path, change)) if p.where == wb.cell("Steps", "Action", 0)
    ]
    assert found == [
        ("verb-first", 'start with the verb, e.g. "Collecter les feuilles de temps"'),
        ("passive-voice", 'say who does what: "Collecter les feuilles de temps", with the doer as Responsible'),
    ]


def test_style_codes_are_exactly_the_codes_the_checks_report():
    source = (Path(__file__).resolve().parents[2] / "binder" / "workbook" / "writing" / "checks.py").read_text()
    assert set(re.findall(r'code="([a-z-]+)"', source)) == STYLE_CODES
