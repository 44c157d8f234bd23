"""Package data: ``example.xlsx``, the workbook of Northwind Supplies (made by tools/make_example.py).
Imports nothing."""
