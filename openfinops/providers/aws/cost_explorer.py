"""AWS Cost Explorer's own purchase recommendations, to compare with the ones computed from the billing data.

Through the standard AWS credential chain (environment, shared profile, SSO, instance or task role);
the endpoint can be overridden the standard way (AWS_ENDPOINT_URL_COST_EXPLORER). Each request is billed by AWS
($0.01 per Cost Explorer API request). Any failure is one CostExplorerError with a one-line message
that never contains the secret key or session token.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOOKBACK = {7: "SEVEN_DAYS", 30: "THIRTY_DAYS", 60: "SIXTY_DAYS"}
TERMS = {"1yr": "ONE_YEAR", "3yr": "THREE_YEARS"}
PAYMENT_OPTIONS = {"no-upfront": "NO_UPFRONT", "partial-upfront": "PARTIAL_UPFRONT", "all-upfront": "ALL_UPFRONT"}
EC2_SERVICE = "Amazon Elastic Compute Cloud - Compute"
PERMISSIONS = "ce:GetSavingsPlansPurchaseRecommendation, ce:GetReservationPurchaseRecommendation"
_HINTS = {
    "AccessDenied": f"the credentials need {PERMISSIONS}",
    "AccessDeniedException": f"the credentials need {PERMISSIONS}",
    "DataUnavailableException": "Cost Explorer has no data for this account: enable it in the Billing console "
                                "(data appears within 24 hours) or use the management account",
    "UnrecognizedClientException": "the access key is not valid",
    "InvalidClientTokenId": "the access key is not valid",
    "ExpiredTokenException": "the session expired: sign in again",
    "ExpiredToken": "the session expired: sign in again",
}


class CostExplorerError(Exception):
    """Cost Explorer could not be asked: the message is one line, fit for the console."""


@dataclass(frozen=True)
class SavingsPlanRecommendation:
    """GetSavingsPlansPurchaseRecommendation's answer: its summary, and figures summed or weighted over
    its details (one per account with AccountScope LINKED, one for the payer otherwise)."""
    savings_plans_type: str
    term: str
    payment_option: str
    lookback: str
    generated_at: str | None
    currency: str | None
    recommendations: int  # TotalRecommendationCount
    hourly_commitment: Decimal | None  # HourlyCommitmentToPurchase
    monthly_savings: Decimal | None  # EstimatedMonthlySavingsAmount
    savings_pct: Decimal | None  # EstimatedSavingsPercentage
    current_on_demand_spend: Decimal | None  # CurrentOnDemandSpend over the lookback
    average_hourly_on_demand_spend: Decimal | None  # Σ details' CurrentAverageHourlyOnDemandSpend
    utilization_pct: Decimal | None  # details' EstimatedAverageUtilization weighted by hourly commitment
    remaining_on_demand_cost: Decimal | None  # Σ details' EstimatedOnDemandCost over the lookback
    upfront_cost: Decimal | None  # Σ details' UpfrontCost

    @property
    def coverage_pct(self) -> Decimal | None:
        """100 × (1 − on-demand cost left uncovered / current on-demand spend), over the lookback."""
        if not self.current_on_demand_spend or self.remaining_on_demand_cost is None:
            return None
        return 100 * (1 - self.remaining_on_demand_cost / self.current_on_demand_spend)


@dataclass(frozen=True)
class ReservationRecommendation:
    """One detail of GetReservationPurchaseRecommendation for EC2."""
    account_id: str | None
    family: str | None
    instance_type: str | None
    region: str | None
    platform: str | None
    count: Decimal | None  # RecommendedNumberOfInstancesToPurchase
    normalized_units: Decimal | None  # RecommendedNormalizedUnitsToPurchase
    utilization_pct: Decimal | None  # AverageUtilization
    monthly_savings: Decimal | None  # EstimatedMonthlySavingsAmount
    currency: str | None
    break_even_months: Decimal | None  # EstimatedBreakEvenInMonths


class _Client:
    """A Cost Explorer client on `session` whose errors are CostExplorerErrors."""

    def __init__(self, session: boto3.session.Session) -> None:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials else None
        if frozen is None or not frozen.access_key:
            raise CostExplorerError("AWS Cost Explorer: no AWS credentials found (environment, shared profile, "
                                    "SSO or instance role)")
        self._secrets = [s for s in (frozen.secret_key, frozen.token) if s]
        self._client = session.client(
            "ce", region_name=session.region_name or "us-east-1",
            config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=10, read_timeout=60))

    def call(self, operation: str, **params: Any) -> dict:
        name = "".join(part.title() for part in operation.split("_"))
        try:
            return getattr(self._client, operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = str(error.get("Code") or status)
            message = " ".join(str(error.get("Message", "")).split())  # one line
            if code == str(status) and message.startswith("<"):  # a body botocore could not parse as JSON
                code, message = _markup_error(message, status)
            hint = _HINTS.get(code)
            text = f"AWS Cost Explorer {name}: {code}: {message[:300]}" + (f" ({hint})" if hint else "")
        except BotoCoreError as exc:
            text = f"AWS Cost Explorer {name}: {' '.join(str(exc).split())}"
        raise CostExplorerError(self._redact(text))

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _markup_error(body: str, status: int | None) -> tuple[str, str]:
    """The code and message of an error answered as XML (some proxies and emulators do) or an HTML page."""
    code, message = (re.search(rf"<{tag}>(.*?)</{tag}>", body, re.S) for tag in ("Code", "Message"))
    if code:
        return html.unescape(code.group(1).strip()), html.unescape(message.group(1).strip()) if message else ""
    return f"HTTP {status}", "the endpoint answered with a page, not an AWS error"


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _sum(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def savings_plan_recommendation(lookback_days: int, term: str = "1yr", payment: str = "no-upfront",
                                savings_plans_type: str = "COMPUTE_SP",
                                session: boto3.session.Session | None = None) -> SavingsPlanRecommendation:
    """Cost Explorer's Savings Plan purchase recommendation for the payer account (every page of details)."""
    ce = _Client(session or boto3.session.Session())
    params = {"SavingsPlansType": savings_plans_type, "TermInYears": TERMS[term],
              "PaymentOption": PAYMENT_OPTIONS[payment], "LookbackPeriodInDays": LOOKBACK[lookback_days],
              "AccountScope": "PAYER"}
    first = response = ce.call("get_savings_plans_purchase_recommendation", **params)
    details = list(response.get("SavingsPlansPurchaseRecommendation", {})
                   .get("SavingsPlansPurchaseRecommendationDetails", []))
    while response.get("NextPageToken"):
        response = ce.call("get_savings_plans_purchase_recommendation", **params,
                           NextPageToken=response["NextPageToken"])
        details += response.get("SavingsPlansPurchaseRecommendation", {}).get(
            "SavingsPlansPurchaseRecommendationDetails", [])
    recommendation = first.get("SavingsPlansPurchaseRecommendation", {})
    summary = recommendation.get("SavingsPlansPurchaseRecommendationSummary", {})
    weighted = [(_decimal(d.get("EstimatedAverageUtilization")), _decimal(d.get("HourlyCommitmentToPurchase")))
                for d in details]
    weighted = [(u, w) for u, w in weighted if u is not None and w]
    weight = sum((w for _, w in weighted), Decimal(0))
    return SavingsPlanRecommendation(
        savings_plans_type=savings_plans_type, term=TERMS[term], payment_option=PAYMENT_OPTIONS[payment],
        lookback=LOOKBACK[lookback_days], generated_at=first.get("Metadata", {}).get("GenerationTimestamp"),
        currency=summary.get("CurrencyCode") or next((d.get("CurrencyCode") for d in details), None),
        recommendations=int(_decimal(summary.get("TotalRecommendationCount")) or len(details)),
        hourly_commitment=_decimal(summary.get("HourlyCommitmentToPurchase")),
        monthly_savings=_decimal(summary.get("EstimatedMonthlySavingsAmount")),
        savings_pct=_decimal(summary.get("EstimatedSavingsPercentage")),
        current_on_demand_spend=_decimal(summary.get("CurrentOnDemandSpend")),
        average_hourly_on_demand_spend=_sum([_decimal(d.get("CurrentAverageHourlyOnDemandSpend")) for d in details]),
        utilization_pct=sum((u * w for u, w in weighted), Decimal(0)) / weight if weight else None,
        remaining_on_demand_cost=_sum([_decimal(d.get("EstimatedOnDemandCost")) for d in details]),
        upfront_cost=_sum([_decimal(d.get("UpfrontCost")) for d in details]))


def ec2_reservation_recommendations(lookback_days: int, term: str = "1yr", payment: str = "no-upfront",
                                    session: boto3.session.Session | None = None) -> list[ReservationRecommendation]:
    """Cost Explorer's EC2 Standard Reserved Instance purchase recommendations for the payer account."""
    ce = _Client(session or boto3.session.Session())
    params = {"Service": EC2_SERVICE, "TermInYears": TERMS[term], "PaymentOption": PAYMENT_OPTIONS[payment],
              "LookbackPeriodInDays": LOOKBACK[lookback_days], "AccountScope": "PAYER",
              "ServiceSpecification": {"EC2Specification": {"OfferingClass": "STANDARD"}}}
    found: list[ReservationRecommendation] = []
    token = None
    while True:
        response = ce.call("get_reservation_purchase_recommendation", **params,
                           **({"NextPageToken": token} if token else {}))
        for recommendation in response.get("Recommendations", []):
            for d in recommendation.get("RecommendationDetails", []):
                ec2 = d.get("InstanceDetails", {}).get("EC2InstanceDetails", {})
                found.append(ReservationRecommendation(
                    account_id=d.get("AccountId"), family=ec2.get("Family"), instance_type=ec2.get("InstanceType"),
                    region=ec2.get("Region"), platform=ec2.get("Platform"),
                    count=_decimal(d.get("RecommendedNumberOfInstancesToPurchase")),
                    normalized_units=_decimal(d.get("RecommendedNormalizedUnitsToPurchase")),
                    utilization_pct=_decimal(d.get("AverageUtilization")),
                    monthly_savings=_decimal(d.get("EstimatedMonthlySavingsAmount")),
                    currency=d.get("CurrencyCode"), break_even_months=_decimal(d.get("EstimatedBreakEvenInMonths"))))
        token = response.get("NextPageToken")
        if not token:
            return found
