"""The invoice rules that need no database: money, months, default period, references, barcode."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laturi.invoices.calculation import calculate
from laturi.invoices.money import cents, line, totals
from laturi.invoices.months import default_period, full_months
from laturi.invoices.references import check_digit, grouped, is_valid, reference
from laturi.invoices.virtual_barcode import code128_modules, virtual_barcode

D = Decimal


class TestMoney:
    def test_half_up_to_the_cent(self) -> None:
        assert cents(D("14.8545")) == D("14.85")
        assert cents(D("0.005")) == D("0.01")
        assert cents(D("2.875")) == D("2.88")

    def test_the_manuals_example_adds_up_to_26_85(self) -> None:
        figures = calculate(
            energy_wh=99_030,
            kwh_price=D("0.15"),
            first=date(2018, 11, 1),
            last=date(2019, 2, 28),
            monthly_price=D("3.00"),
            vat=D(24),
        )
        assert figures.kwh == D("99.030")
        assert (figures.energy.total, figures.energy.vat) == (D("14.85"), D("2.87"))
        assert (figures.months, figures.monthly.total, figures.monthly.vat) == (
            4,
            D("12.00"),
            D("2.32"),
        )
        assert figures.totals.total == D("26.85")
        assert figures.totals.vat == D("5.19")
        assert figures.totals.net == D("21.66")

    @given(
        st.integers(0, 5_000_000),
        st.decimals(D(0), D(5), places=4),
        st.decimals(D(0), D(100), places=2),
        st.sampled_from([D(0), D(10), D(14), D(24), D("25.5")]),
    )
    def test_figures_always_add_up_to_the_cent(
        self, wh: int, kwh_price: Decimal, monthly: Decimal, vat: Decimal
    ) -> None:
        energy = line(D(wh) / 1000, kwh_price, vat)
        months = line(D(3), monthly, vat)
        t = totals([energy, months])
        assert t.total == energy.total + months.total
        assert t.vat == energy.vat + months.vat
        assert t.net + t.vat == t.total
        for x in (t.total, t.vat, t.net):
            assert x == cents(x)


class TestFullMonths:
    @pytest.mark.parametrize(
        ("first", "last", "months"),
        [
            (date(2019, 3, 1), date(2019, 4, 29), 1),  # the manual's examples
            (date(2019, 3, 1), date(2019, 4, 30), 2),
            (date(2018, 11, 1), date(2019, 2, 28), 4),
            (date(2019, 2, 1), date(2019, 2, 21), 0),
            (date(2019, 1, 3), date(2019, 3, 3), 2),
            (date(2020, 2, 1), date(2020, 2, 28), 0),  # leap year: February ends on the 29th
            (date(2020, 2, 1), date(2020, 2, 29), 1),
            (date(2019, 2, 1), date(2019, 2, 28), 1),
            (date(2000, 2, 1), date(2000, 2, 29), 1),  # 2000 was a leap year, 1900 was not
            (date(1900, 2, 1), date(1900, 2, 28), 1),
            (date(2019, 1, 1), date(2019, 12, 31), 12),
        ],
    )
    def test_a_month_counts_when_the_period_reaches_its_last_day(
        self, first: date, last: date, months: int
    ) -> None:
        assert full_months(first, last) == months


class TestDefaultPeriod:
    def test_the_manuals_example(self) -> None:
        assert default_period(date(2019, 4, 2), 31, 3) == (date(2019, 1, 1), date(2019, 3, 31))

    def test_cutoff_31_in_a_30_day_month_is_its_last_day(self) -> None:
        assert default_period(date(2019, 5, 2), 31, 3) == (date(2019, 2, 1), date(2019, 4, 30))
        assert default_period(date(2019, 5, 2), 31, 1) == (date(2019, 4, 1), date(2019, 4, 30))

    def test_cutoff_31_over_a_leap_february(self) -> None:
        assert default_period(date(2020, 3, 10), 31, 1) == (date(2020, 2, 1), date(2020, 2, 29))
        assert default_period(date(2020, 3, 10), 30, 1) == (date(2020, 1, 31), date(2020, 2, 29))

    def test_a_mid_month_cutoff(self) -> None:
        assert default_period(date(2019, 4, 2), 15, 3) == (date(2018, 12, 16), date(2019, 3, 15))

    def test_january_reaches_back_into_last_year(self) -> None:
        assert default_period(date(2019, 1, 5), 31, 2) == (date(2018, 11, 1), date(2018, 12, 31))


class TestReferences:
    @pytest.mark.parametrize(
        "number", ["108986", "101543", "109053", "109066", "109079", "109082", "109095"]
    )
    def test_the_manuals_numbers_are_valid(self, number: str) -> None:
        assert is_valid(number)
        assert reference(int(number[:-1])) == number

    def test_consecutive_from_ref_nr_start(self) -> None:
        assert [reference(b) for b in range(10905, 10910)] == [
            "109053",
            "109066",
            "109079",
            "109082",
            "109095",
        ]

    @given(st.integers(100, 10**19 - 1))
    def test_every_reference_is_valid_and_one_wrong_digit_is_caught(self, base: int) -> None:
        number = reference(base)
        assert is_valid(number) and 4 <= len(number) <= 20
        last = int(number[-1])
        assert not is_valid(number[:-1] + str((last + 1) % 10))

    @given(st.integers(100, 10**18), st.integers(0, 17), st.integers(1, 9))
    def test_a_changed_digit_changes_the_check(self, base: int, place: int, change: int) -> None:
        digits = list(str(base))
        place %= len(digits)
        if place == 0:
            return
        digits[place] = str((int(digits[place]) + change) % 10)
        # 7, 3 and 1 are prime to 10: any single changed digit changes the check digit.
        assert check_digit(int("".join(digits))) != check_digit(base)

    def test_printed_in_groups_of_five(self) -> None:
        assert grouped("868516259619897") == "86851 62596 19897"
        assert grouped("108986") == "1 08986"


class TestVirtualBarcode:
    def test_the_banks_guide_example(self) -> None:
        code = virtual_barcode(
            "FI79 4405 2020 0360 82", D("4883.15"), "868516259619897", date(2010, 6, 12)
        )
        assert code == "479440520200360820048831500000000868516259619897100612"

    def test_the_manuals_invoice(self) -> None:
        code = virtual_barcode("FI2112345600000785", D("26.85"), "108986", date(2019, 4, 11))
        assert code == "4" + "2112345600000785" + "00002685" + "000" + "108986".zfill(20) + "190411"
        assert len(code) == 54

    def test_a_foreign_account_has_no_virtual_barcode(self) -> None:
        with pytest.raises(ValueError, match="Finnish IBAN"):
            virtual_barcode("DE89370400440532013000", D(1), "108986", date(2019, 4, 11))

    def test_code_128_starts_in_set_c_and_stops(self) -> None:
        modules = code128_modules("4" + "0" * 53)
        assert modules.startswith("11010011100")  # Start C
        assert modules.endswith("1100011101011")  # Stop
        assert len(modules) == 11 * (1 + 27 + 1) + 13
