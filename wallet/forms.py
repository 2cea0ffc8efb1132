from decimal import Decimal, InvalidOperation

from django import forms

from casino.money import MINOR_UNITS_MAX, InexactAmount, to_minor_units


class MoneyOperationForm(forms.Form):
    """A staff deposit, withdrawal or adjustment, in major units (e.g. 12.50 EUR).

    `request_key` is the form's own id, issued when the form is shown: the same form sent again
    (Back, then submit) names the same request, which answers with its first result.
    `confirmed` is set by the confirmation step, which shows what will post before it does."""

    OPERATIONS = [("deposit", "Deposit"), ("withdrawal", "Withdrawal"), ("adjustment", "Adjustment (signed)")]

    operation = forms.ChoiceField(choices=OPERATIONS)
    amount = forms.CharField(max_length=40, help_text="In major units, e.g. 12.50. Adjustments may be negative.")
    memo = forms.CharField(max_length=255, help_text="Why: kept on the ledger transaction.")
    request_key = forms.UUIDField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, exponent: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.exponent = exponent

    def clean_amount(self) -> int:
        text = self.cleaned_data["amount"].strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("Not a number.") from None
        if not value.is_finite():
            raise forms.ValidationError("Not a number.")
        try:
            minor = to_minor_units(value, exponent=self.exponent)
        except InexactAmount:
            raise forms.ValidationError(f"At most {self.exponent} decimal places for this currency.") from None
        if minor == 0:
            raise forms.ValidationError("The amount must not be zero.")
        if abs(minor) > MINOR_UNITS_MAX:
            raise forms.ValidationError("Too large for a wallet.")
        return minor

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("operation") in ("deposit", "withdrawal") and data.get("amount", 0) < 0:
            self.add_error("amount", "Deposits and withdrawals are positive; use an adjustment to correct.")
        return data
