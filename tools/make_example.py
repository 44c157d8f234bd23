"""Generate ``inputs/example.xlsx``: the SOP workbook of Northwind Supplies Ltd, a small office-supplies firm.

Run from the repository root:

    .venv/bin/python tools/make_example.py [--out inputs/example.xlsx]

The content is fixed in this file, so every run writes the same workbook.
It exercises the whole contract: every sheet, Decision steps, a Go to jump (SAL-002), Checklist and
Flowchart formats, every status, a text version "1.10", one Approved SOP whose
review is overdue (from 2026-04-01), shared definitions, and training records in all three states
of `binder training`: current, retrain (OPS-001 and FIN-002 were revised after their trainees
signed) and missing (Kofi Mensah has not read OPS-002 yet).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from binder.workbook.writer import write_workbook

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "binder" / "examples" / "example.xlsx"
"""Package data; inputs/example.xlsx links to it."""
ORGANISATION = "Northwind Supplies Ltd"
INTRANET = "https://intranet.northwind.example"

JOB_TITLES = {
    "Priya Shah": "Finance Director",
    "Helen Marsh": "Financial Controller",
    "Daniel Okafor": "Payroll Officer",
    "Olivia Grant": "Accounts Assistant",
    "Tom Becker": "HR Manager",
    "Aisha Rahman": "HR Administrator",
    "Rob Ellis": "Operations Director",
    "Marek Nowak": "Warehouse Manager",
    "Ben Carter": "Stock Controller",
    "Karen Doyle": "Health & Safety Officer",
    "Grace O'Neill": "Sales & Customer Service Manager",
    "Jamal Hughes": "Customer Service Team Leader",
    "Nina Patel": "Sales Coordinator",
    "Sofia Moreau": "Managing Director",
}


def mail(box: str) -> str:
    return f"{box}@northwind.example"


@dataclass
class Procedure:
    """One SOP and the rows that belong to it on the other sheets."""

    sop: dict[str, object]
    steps: list[dict[str, object]]
    roles: list[tuple[str, str]]
    revisions: list[tuple[str, date, str, str]]
    """(version, date, author, change), oldest first; the newest is the SOP's Version, dated on or before its
    Effective date when the SOP is Approved."""
    approvals: list[tuple[str, str, date | None]]
    """(role, name, date); the job title comes from ``JOB_TITLES``. An Approved SOP's Approved by row is dated
    from its newest revision's date to its Effective date."""
    definitions: list[tuple[str, str]] = field(default_factory=list)
    kpis: list[tuple[str, str, str]] = field(default_factory=list)
    faq: list[tuple[str, str]] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)


def step(number: str, action: str, responsible: str, details: str = "", caution: str = "",
         *, yes: str = "", no: str = "", end: bool = False, go_to: str = "") -> dict[str, object]:
    """A Steps row; giving ``yes``/``no`` makes it a Decision; ``go_to`` is an Action's jump (a step or End)."""
    kind = "Decision" if yes or no else "End" if end else ""
    return {"step": number, "action": action, "responsible": responsible, "details": details,
            "caution": caution, "type": kind, "if_yes": yes, "if_no": no, "go_to": go_to}


SETTINGS = [
    {"key": "Organisation", "value": ORGANISATION},
    {"key": "Logo", "value": ""},
    {"key": "Paper size", "value": "A4"},
    {"key": "Language", "value": "en"},
    {"key": "Confidentiality", "value": "Internal use only"},
    {"key": "Template", "value": ""},
]

DEPARTMENTS = [
    {"code": "FIN", "name": "Finance", "binder_title": "Finance Standard Operating Procedures",
     "owner": "Priya Shah", "help_contact": f"Finance team, {mail('finance')}, ext. 210"},
    {"code": "HR", "name": "Human Resources", "binder_title": "Human Resources Procedures",
     "owner": "Tom Becker", "help_contact": f"HR team, {mail('hr')}, ext. 230"},
    {"code": "OPS", "name": "Warehouse & Operations", "binder_title": "Warehouse & Operations Procedures",
     "owner": "Rob Ellis", "help_contact": f"Warehouse office, {mail('warehouse')}, ext. 250"},
    {"code": "SAL", "name": "Sales & Customer Service", "binder_title": "Sales & Customer Service Procedures",
     "owner": "Grace O'Neill", "help_contact": f"Customer service desk, {mail('service')}, ext. 270"},
]

SHARED_DEFINITIONS = [
    ("SOP", "Standard Operating Procedure: the agreed way to carry out a routine task."),
    ("PO", "Purchase order: our written order to a supplier, or a customer's order to us, with its own number."),
    ("SKU", "Stock keeping unit: one product in one pack size, with its own code and barcode."),
    ("CRM", "Customer relationship management system: where we keep customers, leads, orders and complaints."),
]

PACKS = [
    ("New warehouse staff", ["OPS-003", "OPS-001", "OPS-002"]),
    ("New finance staff", ["FIN-001", "FIN-002", "FIN-003", "FIN-004"]),
]

TRAINING_RECORDS = [
    # (person, pack, trainer, [(SOP ID, version signed, date signed)]): each signed a pack's record,
    # then `binder training record` copied it here.
    ("Lena Fischer", "New warehouse staff", "Marek Nowak",
     [("OPS-003", "1.0", date(2026, 9, 7)), ("OPS-001", "1.1", date(2026, 2, 9)), ("OPS-002", "1.3", date(2026, 7, 13))]),
    ("Kofi Mensah", "New warehouse staff", "Marek Nowak",
     [("OPS-003", "1.0", date(2026, 10, 12)), ("OPS-001", "2.0", date(2026, 10, 12))]),
    ("Sara Lindqvist", "New finance staff", "Helen Marsh",
     [("FIN-001", "2.1", date(2026, 3, 16)), ("FIN-002", "1.9", date(2026, 3, 16)),
      ("FIN-003", "1.2", date(2026, 3, 17)), ("FIN-004", "2.0", date(2026, 3, 17))]),
]
"""OPS-001 2.0 and FIN-002 1.10 took effect after Lena and Sara signed 1.1 and 1.9: both must retrain."""


def finance() -> list[Procedure]:
    """FIN: payroll, invoicing, expenses, month-end, suppliers and the retired petty-cash SOP."""
    return [payroll(), invoicing(), expenses(), month_end(), supplier_onboarding(), petty_cash()]


def payroll() -> Procedure:
    officer, manager, director = "Payroll officer", "Department manager", "Finance director"
    return Procedure(
        sop={"sop_id": "FIN-001", "title": "Payroll processing", "department": "FIN", "version": "2.1",
             "status": "Approved", "owner": "Helen Marsh", "audience": "Payroll team",
             "effective_date": date(2026, 3, 1), "review_months": 12, "format": "Steps",
             "purpose": "Pay every employee the right amount on the last working day of each month, "
                        "and meet every tax and pension reporting deadline.",
             "scope": "The monthly payroll of all salaried and hourly staff.\n"
                      "Not covered: contractors, who invoice us, and setting up new employees (see HR-002).",
             "policy": "One person prepares the payroll and another approves it. Nobody approves their own pay.",
             "help_contact": f"Daniel Okafor, Payroll Officer, {mail('payroll')}, ext. 214",
             "related": "HR-002, FIN-004"},
        steps=[
            step("1", "Collect the approved timesheets and overtime forms from every department by the 20th.",
                 officer, "Hourly staff record their hours in the time-tracking app; managers approve them there."),
            step("2", "Enter the hours, overtime and changes for the month in the payroll system.", officer,
                 "Changes include pay rises, unpaid leave, new starters and leavers."),
            step("2.1", "Check that every overtime entry has its manager's approval.", officer,
                 caution="Do not pay overtime without a manager's approval on file."),
            step("2.2", "Enter the new starters and leavers sent by HR.", officer,
                 "HR sends them on the New employee payroll form (HR-002)."),
            step("3", "Run the draft payroll and print the variance report.", officer,
                 "The report compares each employee's net pay with last month."),
            step("4", "Investigate every variance above 10% and correct the errors.", officer),
            step("5", "Send the payroll summary and the variance report to the Finance director by the 24th.", officer),
            step("6", "Approve the payroll in the payroll system.", director,
                 caution="The approver must not be the person who ran the payroll."),
            step("7", "Release the bank payment file for payment on the last working day.", director),
            step("8", "Send the payslips and file the tax and pension submissions.", officer,
                 "Payslips go out by e-mail from the payroll system. The deadlines are on the payroll calendar."),
        ],
        roles=[(officer, "Collects hours and changes, runs and checks the payroll, files the reports."),
               (manager, "Approves the timesheets and overtime of their team by the cut-off date."),
               (director, "Approves the payroll and releases the payment.")],
        revisions=[("1.0", date(2025, 2, 3), "Daniel Okafor", "First issue."),
                   ("2.0", date(2025, 11, 10), "Daniel Okafor", "Moved to the new payroll system; added the pension upload."),
                   ("2.1", date(2026, 2, 16), "Daniel Okafor",
                    "Added the overtime approval check (step 2.1) after an overpayment in January.")],
        approvals=[("Prepared by", "Daniel Okafor", date(2026, 2, 16)),
                   ("Reviewed by", "Helen Marsh", date(2026, 2, 20)),
                   ("Approved by", "Priya Shah", date(2026, 2, 24))],
        definitions=[("Cut-off date", "The 20th of each month: the last day changes are accepted for that month's payroll."),
                     ("Variance report", "A report of every employee whose net pay differs from last month's.")],
        kpis=[("Payroll errors reported by staff", "0 per month", "Monthly"),
              ("Payroll paid on the last working day", "100 %", "Monthly")],
        faq=[("A timesheet arrives after the cut-off date. What do I do?",
              "Pay the hours in next month's payroll and tell the employee. Only the Finance director may "
              "approve an extra payment run."),
             ("An employee says their pay is wrong.",
              "Check the payslip against the approved timesheet. Correct a genuine error in the next payroll, "
              "or ask the Finance director for an extra payment if the employee would be out of pocket.")],
        references=[("Payroll calendar 2026", f"{INTRANET}/finance/payroll-calendar"),
                    ("Setting an employee up in payroll", "HR-002"),
                    ("Payroll questions", f"mailto:{mail('payroll')}")],
    )


def invoicing() -> Procedure:
    assistant, coordinator, controller = "Accounts assistant", "Sales coordinator", "Financial controller"
    return Procedure(
        sop={"sop_id": "FIN-002", "title": "Client invoicing", "department": "FIN", "version": "1.10",
             "status": "Approved", "owner": "Helen Marsh", "audience": "Accounts receivable staff",
             "effective_date": date(2026, 6, 15), "review_months": 12, "format": "Steps",
             "purpose": "Invoice every dispatched order correctly within one working day, so customers pay on time.",
             "scope": "Invoices for goods dispatched to business customers. Not covered: card sales on the web shop.",
             "policy": "Payment terms are 30 days from the invoice date unless the contract says otherwise.",
             "help_contact": f"Accounts team, {mail('accounts')}, ext. 212"},
        steps=[
            step("1", "Download the list of orders dispatched yesterday from the order system.", assistant),
            step("2", "Check each order's prices and quantities against the customer's purchase order.", assistant,
                 "Ask the Sales coordinator when a price differs from the price list."),
            step("3", "Create the invoice in the accounting system from the dispatched order.", assistant,
                 caution="Always quote the customer's PO number: many customers reject invoices without it."),
            step("4", "Send invoices over £10,000 to the Financial controller for approval.", assistant),
            step("4.1", "Approve or return the invoice within one working day.", controller),
            step("5", "Send the invoice to the customer's accounts payable e-mail address.", assistant,
                 "The address is on the customer's account. Never send an invoice only to the sales contact."),
            step("6", "Attach the signed proof of delivery to the invoice in the accounting system.", assistant),
            step("7", "Raise a credit note and a new invoice for any disputed invoice.", assistant,
                 "The Sales coordinator confirms what was delivered and at what price.",
                 "Never edit or delete an invoice once it has been sent."),
        ],
        roles=[(assistant, "Raises and sends invoices and answers invoice queries."),
               (coordinator, "Confirms what was delivered and at what price."),
               (controller, "Approves credit notes and invoices over £10,000.")],
        revisions=[("1.8", date(2025, 9, 1), "Olivia Grant", "The customer's PO number is now required on every invoice."),
                   ("1.9", date(2026, 1, 12), "Olivia Grant", "Payment terms changed from 45 to 30 days."),
                   ("1.10", date(2026, 6, 1), "Olivia Grant", "Invoices are now e-mailed from the accounting system.")],
        approvals=[("Prepared by", "Olivia Grant", date(2026, 6, 1)),
                   ("Reviewed by", "Helen Marsh", date(2026, 6, 3)),
                   ("Approved by", "Priya Shah", date(2026, 6, 8))],
        definitions=[("Proof of delivery", "The delivery note signed by the customer when the goods arrived."),
                     ("Credit note", "A document that cancels all or part of an invoice.")],
        kpis=[("Orders invoiced within 1 working day of dispatch", "98 %", "Weekly"),
              ("Disputed invoices", "< 2 % of invoices", "Monthly")],
        faq=[("The customer has not sent a PO number yet. Can I invoice?",
              "Hold the invoice for up to 5 working days and ask the Sales coordinator to get the number.")],
        references=[("Price list 2026", f"{INTRANET}/sales/price-list-2026"),
                    ("Credit control", f"mailto:{mail('accounts')}")],
    )


def expenses() -> Procedure:
    employee, manager, assistant = "Employee", "Line manager", "Accounts assistant"
    return Procedure(
        sop={"sop_id": "FIN-003", "title": "Expense reports", "department": "FIN", "version": "1.2",
             "status": "Approved", "owner": "Helen Marsh", "audience": "All staff; Finance team",
             "effective_date": date(2025, 4, 1), "review_months": 12, "format": "Steps",
             "purpose": "Repay staff quickly for business expenses, and pay only for expenses the policy allows.",
             "scope": "Travel, meals and small purchases paid by staff. Not covered: company credit cards.",
             "policy": "Expenses are claimed within 30 days, with a receipt, and approved by the line manager.",
             "help_contact": f"Accounts team, {mail('expenses')}, ext. 212"},
        steps=[
            step("1", "Submit your expense report in the expenses app within 30 days of spending.", employee,
                 "One report a month is enough. Give the business reason for each item."),
            step("2", "Attach a photo of the receipt to every line.", employee,
                 caution="An expense without a receipt cannot be paid, except mileage."),
            step("3", "Approve or reject the report within 5 working days.", manager),
            step("4", "Check each line against the expenses policy.", assistant,
                 "Check the limits for meals and hotels, and that mileage uses the current rate."),
            step("4.1", "Return the lines that break the policy to the employee, with the reason.", assistant),
            step("5", "Add the approved reports to the next weekly payment run.", assistant),
            step("6", "Keep the receipts with the report for six years.", assistant),
        ],
        roles=[(employee, "Claims expenses with receipts within 30 days."),
               (manager, "Approves the expenses of their team."),
               (assistant, "Checks and pays approved expenses.")],
        revisions=[("1.0", date(2025, 1, 6), "Olivia Grant", "First issue."),
                   ("1.1", date(2025, 2, 14), "Olivia Grant", "Mileage rate updated."),
                   ("1.2", date(2025, 3, 17), "Olivia Grant", "Receipts may be photographed instead of posted.")],
        approvals=[("Prepared by", "Olivia Grant", date(2025, 3, 17)),
                   ("Reviewed by", "Helen Marsh", date(2025, 3, 20)),
                   ("Approved by", "Priya Shah", date(2025, 3, 25))],
        definitions=[("Mileage", "Business travel in your own car, repaid per mile at the rate in the expenses policy.")],
        kpis=[("Expenses paid within 10 working days of approval", "95 %", "Monthly")],
        faq=[("I lost a receipt. What now?",
              "Ask the supplier for a copy. If you cannot get one, write down what you bought and why; "
              "your line manager decides whether it is paid.")],
        references=[("Expenses policy", f"{INTRANET}/finance/expenses-policy"),
                    ("Expenses questions", f"mailto:{mail('expenses')}")],
    )


def month_end() -> Procedure:
    controller, assistant, officer, director = ("Financial controller", "Accounts assistant", "Payroll officer",
                                                "Finance director")
    return Procedure(
        sop={"sop_id": "FIN-004", "title": "Month-end close", "department": "FIN", "version": "2.0",
             "status": "Approved", "owner": "Helen Marsh", "audience": "Finance team",
             "effective_date": date(2026, 2, 2), "review_months": 12, "format": "Checklist",
             "purpose": "Close the books within 5 working days of month end, with every balance reconciled.",
             "scope": "The monthly close of the company's accounts. The year-end audit has its own timetable.",
             "policy": "Management accounts are issued by working day 5.",
             "help_contact": f"Helen Marsh, Financial Controller, {mail('finance')}",
             "related": "FIN-001, FIN-002"},
        steps=[
            step("1", "Post all supplier and sales invoices dated in the month.", assistant, "Working day 1."),
            step("2", "Post the payroll journal from the payroll system.", officer),
            step("3", "Reconcile every bank account to its bank statement.", assistant,
                 caution="Investigate every difference, however small. Never post a balancing figure."),
            step("4", "Reconcile the stock ledger to the warehouse stock report.", controller),
            step("5", "Post the accruals and prepayments.", controller),
            step("6", "Review the aged debtors and aged creditors reports.", controller),
            step("7", "Prepare the management accounts pack.", controller,
                 "Profit and loss, balance sheet, cash flow, and a note on every variance over 10%."),
            step("8", "Review the management accounts and sign off the month.", director),
            step("9", "Lock the period in the accounting system.", controller,
                 caution="Once the period is locked, changes to it need the Finance director's approval."),
        ],
        roles=[(controller, "Runs the close and prepares the management accounts."),
               (assistant, "Posts invoices and reconciles the bank accounts."),
               (officer, "Posts the payroll journal."),
               (director, "Reviews the management accounts and signs off the month.")],
        revisions=[("1.0", date(2025, 5, 2), "Helen Marsh", "First issue."),
                   ("2.0", date(2026, 1, 19), "Helen Marsh", "Rewritten as a checklist around the 5-day close.")],
        approvals=[("Prepared by", "Helen Marsh", date(2026, 1, 19)),
                   ("Approved by", "Priya Shah", date(2026, 1, 26))],
        definitions=[("Accrual", "A cost of the month that has not been invoiced yet."),
                     ("Reconciliation", "Proving that two records of the same balance agree, and explaining any difference.")],
        kpis=[("Month closed", "By working day 5", "Monthly"),
              ("Unreconciled bank differences", "£0", "Monthly")],
        faq=[("An invoice for last month arrives after the period is locked.",
              "Post it in the current month and mention it in the management accounts. Ask the Finance "
              "director first if it is over £5,000.")],
        references=[("Month-end timetable", f"{INTRANET}/finance/month-end-timetable"),
                    ("Payroll processing", "FIN-001")],
    )


def supplier_onboarding() -> Procedure:
    buyer, assistant, controller = "Buyer", "Accounts assistant", "Financial controller"
    return Procedure(
        sop={"sop_id": "FIN-005", "title": "Supplier onboarding", "department": "FIN", "version": "0.3",
             "status": "In review", "owner": "Helen Marsh", "audience": "Purchasing and Finance",
             "review_months": 24, "format": "Steps",
             "purpose": "Set up new suppliers quickly while keeping fake suppliers and false bank details out.",
             "scope": "Every new supplier we will pay, in the UK or abroad.",
             "policy": "No payment is made to a supplier whose bank details have not been confirmed by phone.",
             "help_contact": f"Purchasing, {mail('purchasing')}"},
        steps=[
            step("1", "Ask the supplier to complete the new supplier form.", buyer,
                 "The form asks for the registration and VAT numbers, address, contact and bank details. "
                 "Café Lumière SARL, our coffee supplier, gave its French SIRET number and its IBAN."),
            step("2", "Check the company in the official company register of its country.", assistant),
            step("3", "Confirm the bank details by phone, on a number from the supplier's website.", assistant,
                 caution="Fraudsters send false bank details by e-mail. Never use the phone number on the form."),
            step("4", "Send the form and your checks to the Financial controller.", assistant),
            step("5", "Approve the supplier in the accounting system.", controller),
            step("6", "Create the supplier account with 30-day payment terms.", assistant),
            step("7", "Tell the buyer the new supplier account number.", assistant),
        ],
        roles=[(buyer, "Requests the new supplier and collects its documents."),
               (assistant, "Checks the documents and sets up the supplier account."),
               (controller, "Approves the supplier and its bank details.")],
        revisions=[("0.1", date(2026, 8, 10), "Olivia Grant", "First draft."),
                   ("0.2", date(2026, 9, 14), "Olivia Grant", "Bank details confirmed by phone after a fraud attempt."),
                   ("0.3", date(2026, 10, 26), "Olivia Grant", "Comments of the Financial controller.")],
        approvals=[("Prepared by", "Olivia Grant", date(2026, 10, 26)),
                   ("Reviewed by", "Helen Marsh", None)],
        definitions=[("IBAN", "International Bank Account Number, used for payments abroad.")],
        kpis=[("New suppliers set up", "Within 3 working days", "Monthly")],
        faq=[("A supplier e-mails to change its bank details. What do I do?",
              "Treat it as possible fraud: call the supplier on a number you already know, and ask the "
              "Financial controller to approve the change.")],
        references=[("New supplier form", f"{INTRANET}/forms/new-supplier"),
                    ("Purchasing team", f"mailto:{mail('purchasing')}")],
    )


def petty_cash() -> Procedure:
    holder, controller = "Petty cash holder", "Financial controller"
    return Procedure(
        sop={"sop_id": "FIN-006", "title": "Petty cash", "department": "FIN", "version": "1.1",
             "status": "Retired", "owner": "Helen Marsh", "audience": "Office staff",
             "effective_date": date(2025, 1, 20), "review_months": 12, "format": "Steps",
             "purpose": "Control the small cash float kept in the office.",
             "scope": "The office petty cash box. Retired: staff now claim through expense reports (FIN-003).",
             "related": "FIN-003"},
        steps=[
            step("1", "Keep the cash box locked in the office safe.", holder),
            step("2", "Pay out cash only against a receipt and a signed voucher.", holder),
            step("3", "Count the cash and the vouchers every Friday.", holder),
            step("4", "Record the week's spending in the petty cash book.", holder),
            step("5", "Approve the top-up of the float to £200.", controller),
        ],
        roles=[(holder, "Keeps the cash, pays it out and records it."),
               (controller, "Approves top-ups and checks the book monthly.")],
        revisions=[("1.0", date(2025, 1, 13), "Helen Marsh", "First issue."),
                   ("1.1", date(2025, 10, 1), "Helen Marsh",
                    "Retired: petty cash withdrawn; staff claim through expense reports (FIN-003).")],
        approvals=[("Prepared by", "Helen Marsh", date(2025, 1, 13)),
                   ("Approved by", "Priya Shah", date(2025, 1, 15))],
    )


def human_resources() -> list[Procedure]:
    """HR: onboarding and payroll set-up."""
    return [onboarding(), payroll_setup()]


def onboarding() -> Procedure:
    admin, manager, it = "HR administrator", "Hiring manager", "IT support"
    return Procedure(
        sop={"sop_id": "HR-001", "title": "New-employee onboarding", "department": "HR", "version": "3.0",
             "status": "Approved", "owner": "Tom Becker", "audience": "HR team and hiring managers",
             "effective_date": date(2026, 5, 4), "review_months": 12, "format": "Checklist",
             "purpose": "Give every new employee a working first day and a clear first month.",
             "scope": "Employees on permanent and fixed-term contracts. Not covered: agency workers.",
             "policy": "No one starts work before the right-to-work check is complete.",
             "help_contact": f"Aisha Rahman, HR Administrator, {mail('hr')}, ext. 231",
             "related": "HR-002"},
        steps=[
            step("1", "Send the signed contract and the welcome pack to the new employee.", admin,
                 "The welcome pack gives the start time, the address, who to ask for and what to bring."),
            step("2", "Collect the proof of right to work and the bank details before the first day.", admin,
                 caution="The employee may not start work until the right-to-work check is done."),
            step("3", "Set up the employee in payroll (HR-002).", admin),
            step("4", "Request the laptop, e-mail account and system access.", manager,
                 "Use the IT request form at least 5 working days before the start date."),
            step("4.1", "Set up and test the laptop and the accounts.", it),
            step("5", "Choose a buddy for the first week.", manager),
            step("6", "Welcome the employee and give the site tour and the fire-safety briefing.", admin),
            step("7", "Book the training pack for the role.", manager,
                 "For example the New warehouse staff pack for warehouse operatives."),
            step("8", "Hold a review meeting at the end of the first month.", manager),
        ],
        roles=[(admin, "Prepares the contract, the HR file and the first-day welcome."),
               (manager, "Plans the first weeks and introduces the team."),
               (it, "Sets up the laptop, e-mail and system accounts.")],
        revisions=[("2.0", date(2025, 6, 2), "Aisha Rahman", "IT accounts and building access added."),
                   ("2.1", date(2025, 12, 8), "Aisha Rahman", "First-week buddy added."),
                   ("3.0", date(2026, 4, 20), "Aisha Rahman", "Rewritten as a checklist; payroll set-up moved to HR-002.")],
        approvals=[("Prepared by", "Aisha Rahman", date(2026, 4, 20)),
                   ("Reviewed by", "Tom Becker", date(2026, 4, 24)),
                   ("Approved by", "Sofia Moreau", date(2026, 4, 28))],
        definitions=[("Buddy", "An experienced colleague who helps a new employee through the first week."),
                     ("Right-to-work check", "The legal check that a person is allowed to work in the UK.")],
        kpis=[("New employees with IT access on day one", "100 %", "Quarterly"),
              ("Onboarding survey score", "At least 4 out of 5", "Quarterly")],
        faq=[("The laptop is not ready on day one. What do I do?",
              "Call IT support on ext. 300 and give the employee a loan laptop from the HR office.")],
        references=[("Onboarding forms", f"{INTRANET}/hr/onboarding"),
                    ("Setting an employee up in payroll", "HR-002"),
                    ("HR team", f"mailto:{mail('hr')}")],
    )


def payroll_setup() -> Procedure:
    admin, officer = "HR administrator", "Payroll officer"
    return Procedure(
        sop={"sop_id": "HR-002", "title": "Setting an employee up in payroll", "department": "HR", "version": "1.1",
             "status": "Approved", "owner": "Tom Becker", "audience": "HR and Payroll",
             "effective_date": date(2026, 1, 12), "review_months": 12, "format": "Steps",
             "purpose": "Pay every new employee correctly from their first payroll.",
             "scope": "New employees and employees returning after a break.",
             "help_contact": f"HR team, {mail('hr')}, ext. 230",
             "related": "FIN-001, HR-001"},
        steps=[
            step("1", "Complete the New employee payroll form from the signed contract.", admin,
                 "Salary or hourly rate, start date, weekly hours, cost centre and bank details."),
            step("2", "Check the bank details against the employee's bank letter or statement.", admin,
                 caution="Never accept bank details e-mailed from a personal address without checking them."),
            step("3", "Send the form to Payroll by the 20th, the payroll cut-off date.", admin,
                 "Forms received later are paid in the following month."),
            step("4", "Create the employee record in the payroll system.", officer),
            step("4.1", "Enter the tax code and the pension scheme.", officer,
                 "Every eligible employee is enrolled in the pension scheme automatically."),
            step("4.2", "Enter the bank details and the pay rate.", officer),
            step("5", "Have a second person check the record against the form.", officer),
            step("6", "File the form in the employee's HR file.", admin),
        ],
        roles=[(admin, "Completes and checks the payroll form."),
               (officer, "Creates the employee in the payroll system.")],
        revisions=[("1.0", date(2025, 7, 7), "Aisha Rahman", "First issue."),
                   ("1.1", date(2026, 1, 5), "Aisha Rahman", "Pension auto-enrolment added.")],
        approvals=[("Prepared by", "Aisha Rahman", date(2026, 1, 5)),
                   ("Reviewed by", "Daniel Okafor", date(2026, 1, 6)),
                   ("Approved by", "Tom Becker", date(2026, 1, 8))],
        kpis=[("New starters paid correctly in their first payroll", "100 %", "Monthly")],
        faq=[("The employee starts after the cut-off date. When are they paid?",
              "In the next payroll, including the days worked in their first month.")],
        references=[("Payroll processing", "FIN-001"),
                    ("Pension scheme guide", f"{INTRANET}/hr/pension-guide")],
    )


def operations() -> list[Procedure]:
    """OPS: receiving, reordering and the forklift check."""
    return [receiving(), reordering(), forklift_check()]


def receiving() -> Procedure:
    operative, supervisor = "Goods-in operative", "Warehouse supervisor"
    return Procedure(
        sop={"sop_id": "OPS-001", "title": "Inventory receiving", "department": "OPS", "version": "2.0",
             "status": "Approved", "owner": "Marek Nowak", "audience": "Warehouse staff",
             "effective_date": date(2026, 4, 6), "review_months": 12, "format": "Steps",
             "purpose": "Book in every delivery on the day it arrives, and catch short or damaged deliveries "
                        "while the driver is still here.",
             "scope": "Deliveries from suppliers to the main warehouse. Customer returns follow SAL-002.",
             "policy": "Stock is available to sell only after it has been counted and booked in.",
             "help_contact": f"Warehouse office, {mail('warehouse')}, ext. 250",
             "related": "OPS-002, OPS-003"},
        steps=[
            step("1", "Scan the PO barcode on the delivery note with the handheld scanner.", operative,
                 "If the delivery note has no PO number, do not unload: call the Warehouse supervisor."),
            step("2", "Unload the pallets to the goods-in bay.", operative,
                 caution="Only trained operators may use the forklift (OPS-003). Wear safety boots and hi-vis."),
            step("3", "Count the cartons and scan each SKU.", operative),
            step("4", "Is any item damaged?", operative, yes="5", no="6"),
            step("5", "Photograph and report the damaged items.", operative,
                 "Photograph the packaging and the label, write \"damaged\" on the delivery note before the "
                 "driver leaves, and move the items to the quarantine bay."),
            step("5.1", "Claim a credit from the supplier within 48 hours.", supervisor),
            step("6", "Sign the delivery note and give the driver a copy.", operative),
            step("7", "Confirm the receipt on the scanner so the stock can be sold.", operative),
            step("8", "Put the goods away to the locations the scanner shows.", operative),
        ],
        roles=[(operative, "Unloads, checks and books in deliveries."),
               (supervisor, "Handles short and damaged deliveries with the supplier.")],
        revisions=[("1.0", date(2025, 3, 3), "Ben Carter", "First issue."),
                   ("1.1", date(2025, 8, 18), "Ben Carter", "Photos of damaged goods now required."),
                   ("2.0", date(2026, 3, 23), "Ben Carter", "Receiving now done with handheld scanners.")],
        approvals=[("Prepared by", "Ben Carter", date(2026, 3, 23)),
                   ("Reviewed by", "Marek Nowak", date(2026, 3, 27)),
                   ("Approved by", "Rob Ellis", date(2026, 3, 31))],
        definitions=[("Quarantine bay", "The marked area for goods that may not be sold until they are checked."),
                     ("Goods-in bay", "The area by the loading doors where deliveries are unloaded and counted.")],
        kpis=[("Deliveries booked in on the day they arrive", "99 %", "Weekly"),
              ("Damage claims raised within 48 hours", "100 %", "Monthly")],
        faq=[("The driver will not wait while we count. What do I do?",
              "Write \"unchecked\" on the delivery note before you sign it, then count straight away.")],
        references=[("Goods-in safety rules", f"{INTRANET}/operations/goods-in-safety"),
                    ("Forklift pre-use check", "OPS-003"),
                    ("Supplier claims", f"mailto:{mail('purchasing')}")],
    )


def reordering() -> Procedure:
    controller, manager = "Stock controller", "Warehouse manager"
    return Procedure(
        sop={"sop_id": "OPS-002", "title": "Stock reordering", "department": "OPS", "version": "1.3",
             "status": "Approved", "owner": "Marek Nowak", "audience": "Stock control",
             "effective_date": date(2026, 7, 1), "review_months": 6, "format": "Steps",
             "purpose": "Keep every SKU in stock without tying up cash in surplus stock.",
             "scope": "Stock items we sell from the warehouse. Not covered: office consumables.",
             "policy": "Purchase orders over £5,000 are approved by the Warehouse manager.",
             "help_contact": f"Ben Carter, Stock Controller, {mail('warehouse')}, ext. 252",
             "related": "OPS-001"},
        steps=[
            step("1", "Run the reorder report from the stock system every Monday and Thursday.", controller,
                 "The report lists every SKU below its reorder point."),
            step("2", "Check the open purchase orders so nothing is ordered twice.", controller),
            step("3", "Adjust the quantities for seasonal demand and promotions.", controller,
                 "Ask Sales & Customer Service about promotions planned for the next 6 weeks."),
            step("4", "Raise the purchase orders in the stock system.", controller),
            step("4.1", "Send purchase orders over £5,000 to the Warehouse manager for approval.", controller),
            step("4.2", "Approve or reject the purchase order on the same day.", manager),
            step("5", "E-mail the approved purchase orders to the suppliers.", controller),
            step("6", "Record the expected delivery dates in the stock system.", controller),
        ],
        roles=[(controller, "Reviews stock levels and raises purchase orders."),
               (manager, "Approves purchase orders over £5,000.")],
        revisions=[("1.2", date(2025, 10, 6), "Ben Carter", "Reorder report run twice a week."),
                   ("1.3", date(2026, 6, 22), "Ben Carter", "Reorder points reviewed every quarter.")],
        approvals=[("Prepared by", "Ben Carter", date(2026, 6, 22)),
                   ("Approved by", "Marek Nowak", date(2026, 6, 26))],
        definitions=[("Reorder point", "The stock level at which a SKU must be ordered again."),
                     ("Lead time", "The days between sending a purchase order and receiving the goods.")],
        kpis=[("SKUs out of stock", "< 1 %", "Weekly"),
              ("Stock turnover", "At least 8 times a year", "Quarterly")],
        faq=[("A supplier cannot deliver in time. What now?",
              "Ask the Warehouse manager whether to buy from the second supplier on the approved list, "
              "and warn Customer Service about the orders at risk.")],
        references=[("Approved supplier list", f"{INTRANET}/operations/approved-suppliers")],
    )


def forklift_check() -> Procedure:
    operator, supervisor = "Forklift operator", "Warehouse supervisor"
    return Procedure(
        sop={"sop_id": "OPS-003", "title": "Forklift pre-use check", "department": "OPS", "version": "1.0",
             "status": "Approved", "owner": "Marek Nowak", "audience": "Forklift operators",
             "effective_date": date(2026, 9, 1), "review_months": 12, "format": "Checklist",
             "purpose": "Find faults before a forklift is driven, not after an accident.",
             "scope": "Every forklift truck, at the start of every shift.",
             "policy": "Only trained and authorised operators drive forklift trucks.",
             "help_contact": f"Warehouse office, {mail('warehouse')}, ext. 250"},
        steps=[
            step("1", "Walk around the truck and look for damage, leaks and loose parts.", operator),
            step("2", "Check the forks and the chains for cracks and wear.", operator),
            step("3", "Check the tyres for cuts and the right pressure.", operator),
            step("4", "Test the horn, the lights, the brakes and the steering.", operator),
            step("5", "Check the battery charge or the fuel level.", operator),
            step("6", "Record the check on the handheld scanner.", operator),
            step("7", "Take any faulty truck out of use and tag it \"Do not use\".", supervisor,
                 caution="Never drive a truck that failed its check. Report it to the Warehouse supervisor at once."),
        ],
        roles=[(operator, "Checks the truck before every shift and reports faults."),
               (supervisor, "Takes faulty trucks out of use and arranges their repair.")],
        revisions=[("1.0", date(2026, 8, 17), "Marek Nowak", "First issue, replacing the paper check card.")],
        approvals=[("Prepared by", "Marek Nowak", date(2026, 8, 17)),
                   ("Reviewed by", "Karen Doyle", date(2026, 8, 20)),
                   ("Approved by", "Rob Ellis", date(2026, 8, 25))],
        kpis=[("Pre-use checks recorded", "100 % of shifts", "Weekly")],
        faq=[("The truck failed one item but seems safe. May I use it?",
              "No. A truck that fails any item stays out of use until it is repaired.")],
        references=[("Forklift operator training records", f"{INTRANET}/operations/forklift-training")],
    )


def sales() -> list[Procedure]:
    """SAL: complaints, returns and the draft CRM lead procedure."""
    return [complaints(), returns(), crm_lead()]


def complaints() -> Procedure:
    advisor, leader, manager = "Customer service advisor", "Team leader", "Sales & customer service manager"
    return Procedure(
        sop={"sop_id": "SAL-001", "title": "Customer complaint handling", "department": "SAL", "version": "2.2",
             "status": "Approved", "owner": "Grace O'Neill", "audience": "Customer service team",
             "effective_date": date(2026, 8, 3), "review_months": 12, "format": "Flowchart",
             "purpose": "Resolve every complaint fairly and quickly, and learn from its cause.",
             "scope": "Complaints from customers by phone, e-mail or the web shop.",
             "policy": "Every complaint is acknowledged within 4 business hours.",
             "help_contact": f"Jamal Hughes, Team Leader, {mail('service')}, ext. 271",
             "related": "SAL-002, OPS-001"},
        steps=[
            step("1", "Log the complaint in the CRM with the order number.", advisor,
                 "Record what the customer says, in their words, and how they want it resolved."),
            step("2", "Acknowledge the complaint to the customer within 4 business hours.", advisor),
            step("3", "Investigate the order, the delivery and any earlier contact.", advisor,
                 "Check the proof of delivery, and ask the warehouse for photos if the goods were damaged."),
            step("4", "Is the complaint justified?", leader, yes="5", no="6"),
            step("5", "Approve a replacement or a refund (SAL-002).", leader,
                 caution="Advisors never promise a refund or a replacement before the Team leader has approved it."),
            step("6", "Explain the outcome to the customer in writing.", advisor),
            step("7", "Is the customer satisfied with the outcome?", advisor, yes="9", no="8"),
            step("8", "Escalate the complaint to the Sales & customer service manager.", advisor,
                 "The manager replies to the customer within 5 working days."),
            step("9", "Close the complaint in the CRM and record its root cause.", advisor, end=True),
        ],
        roles=[(advisor, "Logs, investigates and answers complaints."),
               (leader, "Decides whether a complaint is justified, and approves refunds and replacements."),
               (manager, "Handles escalated complaints.")],
        revisions=[("2.0", date(2025, 9, 15), "Jamal Hughes", "Complaints now logged in the CRM."),
                   ("2.1", date(2026, 2, 9), "Jamal Hughes", "Acknowledgement time cut to 4 business hours."),
                   ("2.2", date(2026, 7, 20), "Jamal Hughes", "Escalation to the Sales & customer service manager added.")],
        approvals=[("Prepared by", "Jamal Hughes", date(2026, 7, 20)),
                   ("Reviewed by", "Grace O'Neill", date(2026, 7, 24)),
                   ("Approved by", "Sofia Moreau", date(2026, 7, 29))],
        definitions=[("Justified complaint", "A complaint where we did not do what we promised: wrong, late, damaged "
                                             "or missing goods, or poor service.")],
        kpis=[("First response time", "< 4 business hours", "Weekly"),
              ("Complaints closed within 10 working days", "90 %", "Monthly")],
        faq=[("The customer is angry and asks for a manager. What do I do?",
              "Stay calm, log the complaint, and offer a call back from the Team leader the same day.")],
        references=[("Returns & refunds", "SAL-002"),
                    ("Complaints policy", f"{INTRANET}/sales/complaints-policy"),
                    ("Customer service desk", f"mailto:{mail('service')}")],
    )


def returns() -> Procedure:
    advisor, operative, assistant = "Customer service advisor", "Goods-in operative", "Accounts assistant"
    return Procedure(
        sop={"sop_id": "SAL-002", "title": "Returns & refunds", "department": "SAL", "version": "1.2",
             "status": "Approved", "owner": "Grace O'Neill", "audience": "Customer service and warehouse staff",
             "effective_date": date(2026, 9, 21), "review_months": 12, "format": "Steps",
             "purpose": "Take back returned goods and refund customers within 5 working days.",
             "scope": "Goods returned within 30 days of delivery. Faulty goods after 30 days follow SAL-001.",
             "policy": "Customers may return unused goods within 30 days of delivery for a full refund.",
             "help_contact": f"Customer service desk, {mail('service')}, ext. 270",
             "related": "SAL-001, OPS-001"},
        steps=[
            step("1", "Check that the return request is within 30 days of delivery.", advisor),
            step("2", "Issue a returns number and send the customer a returns label.", advisor),
            step("3", "Receive the returned goods and inspect them.", operative,
                 "Match the returns number on the parcel to the request in the CRM."),
            step("4", "Are the goods damaged or incomplete?", operative, yes="5", no="6"),
            step("5", "Photograph the goods and move them to the quarantine bay.", operative,
                 "Book them to quarantine in the stock system. Customer Service decides with the Team leader "
                 "whether a partial refund applies.", go_to="7"),
            step("6", "Put the goods back on the shelf and book them into stock.", operative),
            step("7", "Refund the customer to the original payment method within 5 working days.", assistant,
                 caution="Never refund to a different card or bank account from the one used to pay."),
            step("8", "Tell the customer the refund has been made.", advisor),
        ],
        roles=[(advisor, "Approves return requests and keeps the customer informed."),
               (operative, "Receives, inspects and books in returned goods."),
               (assistant, "Pays the refund.")],
        revisions=[("1.0", date(2025, 11, 3), "Jamal Hughes", "First issue."),
                   ("1.1", date(2026, 5, 4), "Jamal Hughes", "Return window extended from 14 to 30 days."),
                   ("1.2", date(2026, 9, 7), "Jamal Hughes",
                    "Damaged returns are booked straight to quarantine and skip the return to stock.")],
        approvals=[("Prepared by", "Jamal Hughes", date(2026, 9, 7)),
                   ("Reviewed by", "Marek Nowak", date(2026, 9, 9)),
                   ("Approved by", "Grace O'Neill", date(2026, 9, 14))],
        definitions=[("Returns number", "The reference we give a customer for one return; it is printed on the returns label.")],
        kpis=[("Refunds paid within 5 working days of receipt", "95 %", "Weekly")],
        faq=[("The customer returned the goods without a returns number.",
              "Find the order from the delivery address, create the returns number, and continue from step 3.")],
        references=[("Returns policy for customers", "https://www.northwind.example/returns"),
                    ("Customer complaint handling", "SAL-001")],
    )


def crm_lead() -> Procedure:
    rep, coordinator = "Sales representative", "Sales coordinator"
    return Procedure(
        sop={"sop_id": "SAL-003", "title": "Adding a lead to the CRM", "department": "SAL", "version": "0.2",
             "status": "Draft", "owner": "Grace O'Neill", "audience": "Sales team", "format": "Steps",
             "purpose": "Record every new sales lead once, completely, and with marketing consent.",
             "scope": "New business leads from any source. Existing customers are updated, not added."},
        steps=[
            step("1", "Search the CRM for the company and the contact before creating anything.", rep,
                 caution="A duplicate record splits the customer's history. Always search first."),
            step("2", "Create the lead with the company name, contact name, e-mail and phone.", rep),
            step("3", "Record the source of the lead.", rep, "Trade show, web form, referral or cold call."),
            step("4", "Ask for consent to send marketing e-mails and record the answer.", rep,
                 caution="Without recorded consent, do not add the contact to any mailing list."),
            step("5", "Assign the lead to the sales representative for its region.", coordinator),
            step("6", "Schedule the first follow-up call within 2 working days.", rep),
        ],
        roles=[(rep, "Captures leads and follows them up."),
               (coordinator, "Assigns leads and merges duplicates.")],
        revisions=[("0.1", date(2026, 10, 5), "Nina Patel", "First draft."),
                   ("0.2", date(2026, 11, 9), "Nina Patel", "Duplicate search added.")],
        approvals=[("Prepared by", "Nina Patel", None)],
        kpis=[("Leads contacted within 2 working days", "90 %", "Monthly")],
    )


def procedures() -> list[Procedure]:
    """Every SOP of the example, in the order of the SOPs sheet."""
    return finance() + human_resources() + operations() + sales()


def rows() -> dict[str, list[dict[str, object]]]:
    """The example as ``write_workbook`` rows: sheet name → rows keyed by field."""
    sheets: dict[str, list[dict[str, object]]] = {
        "Settings": SETTINGS, "Departments": DEPARTMENTS, "SOPs": [], "Steps": [], "Roles": [],
        "Definitions": [{"sop_id": "", "term": t, "definition": d} for t, d in SHARED_DEFINITIONS],
        "KPIs": [], "FAQ": [], "References": [], "Revisions": [], "Approvals": [],
        "Training": [{"pack": pack, "sop_id": sop_id} for pack, ids in PACKS for sop_id in ids],
        "Training records": [{"person": person, "sop_id": sop_id, "version": version, "date": signed,
                              "trainer": trainer, "pack": pack}
                             for person, pack, trainer, signed_rows in TRAINING_RECORDS
                             for sop_id, version, signed in signed_rows],
    }
    for proc in procedures():
        _add(sheets, proc)
    return sheets


def _add(sheets: dict[str, list[dict[str, object]]], proc: Procedure) -> None:
    sop_id = proc.sop["sop_id"]
    sheets["SOPs"].append(proc.sop)
    sheets["Steps"] += [{"sop_id": sop_id, **s} for s in proc.steps]
    sheets["Roles"] += [{"sop_id": sop_id, "role": r, "responsibility": t} for r, t in proc.roles]
    sheets["Definitions"] += [{"sop_id": sop_id, "term": t, "definition": d} for t, d in proc.definitions]
    sheets["KPIs"] += [{"sop_id": sop_id, "measure": m, "target": t, "frequency": f} for m, t, f in proc.kpis]
    sheets["FAQ"] += [{"sop_id": sop_id, "question": q, "answer": a} for q, a in proc.faq]
    sheets["References"] += [{"sop_id": sop_id, "reference": r, "link": link} for r, link in proc.references]
    sheets["Revisions"] += [{"sop_id": sop_id, "version": v, "date": d, "author": a, "change": c}
                            for v, d, a, c in proc.revisions]
    sheets["Approvals"] += [{"sop_id": sop_id, "role": role, "name": name, "job_title": JOB_TITLES[name], "date": d}
                            for role, name, d in proc.approvals]


def main(argv: list[str] | None = None) -> int:
    """Write the example workbook; print where."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"file to write (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    written = write_workbook(args.out, rows())
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
