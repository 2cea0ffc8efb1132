from decimal import Decimal, InvalidOperation

from django import forms

from casino.money import InexactAmount, to_minor_units


class MoneyOperationForm(forms.Form):
    """A staff deposit, withdrawal or adjustment, in major units (e.g. 12.50 EUR)."""

    OPERATIONS = [("deposit", "Deposit"), ("withdrawal", "Withdrawal"), ("adjustment", "Adjustment (signed)")]

    operation = forms.ChoiceField(choices=OPERATIONS)
    amount = forms.CharField(help_text="In major units, e.g. 12.50. Adjustments may be negative.")
    memo = forms.CharField(max_length=255, help_text="Why: kept on the ledger transaction.")

    def __init__(self, *args, exponent: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.exponent = exponent

    def clean_amount(self) -> int:
        text = self.cleaned_data["amount"].strip()
        try:
            minor = to_minor_units(Decimal(text), exponent=self.exponent)
        except InvalidOperation:
            raise forms.ValidationError("Not a number.") from None
        except InexactAmount:
            raise forms.ValidationError(f"At most {self.exponent} decimal places for this currency.") from None
        if minor == 0:
            raise forms.ValidationError("The amount must not be zero.")
        return minor

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("operation") in ("deposit", "withdrawal") and data.get("amount", 0) < 0:
            self.add_error("amount", "Deposits and withdrawals are positive; use an adjustment to correct.")
        return data
