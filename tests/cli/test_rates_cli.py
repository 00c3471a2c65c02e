"""`finops rates`: read from a published read copy holding the rate optimization marts' contract
(every column of _rate_optimization__models.yml, a few rows with NULLs), and the comparison with AWS
Cost Explorer's own recommendations, whose error paths run against the test's moto server.

moto (5.x) does not implement Cost Explorer's GetSavingsPlansPurchaseRecommendation nor
GetReservationPurchaseRecommendation: the comparison's success path runs against CostExplorer below,
an endpoint that checks requests and answers against botocore's model of the service.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

from cli import main
from openfinops.focus.publish import READ_DATABASE
from tests.deployments.servers import LocalServer, QuietHandler

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "transformations" / "models" / "marts" / "rate_optimization" / "_rate_optimization__models.yml"

MONEY = "DECIMAL(38, 12)"
COLUMNS = {
    "commitment_inventory": {
        "provider": "VARCHAR", "billing_account_id": "VARCHAR", "sub_account_id": "VARCHAR",
        "commitment_id": "VARCHAR", "commitment_name": "VARCHAR", "commitment_type": "VARCHAR",
        "commitment_category": "VARCHAR", "commitment_unit": "VARCHAR", "billing_currency": "VARCHAR",
        "offering_type": "VARCHAR", "payment_option": "VARCHAR", "term": "VARCHAR", "region_id": "VARCHAR",
        "instance_type": "VARCHAR", "committed_per_hour": "DECIMAL(38, 6)", "start_at": "TIMESTAMPTZ",
        "end_at": "TIMESTAMPTZ", "first_charge_at": "TIMESTAMPTZ", "last_charge_at": "TIMESTAMPTZ",
        "utilization_pct_30d": "DOUBLE", "unused_cost_30d": MONEY, "days_to_expiry": "BIGINT", "is_active": "BOOLEAN"},
    "savings": {
        "provider": "VARCHAR", "charge_month": "DATE", "billing_account_id": "VARCHAR", "sub_account_id": "VARCHAR",
        "sub_account_name": "VARCHAR", "service_category": "VARCHAR", "service_name": "VARCHAR",
        "billing_currency": "VARCHAR", "list_cost": MONEY, "contracted_cost": MONEY, "effective_cost": MONEY,
        "negotiated_savings": MONEY, "commitment_savings": MONEY, "spot_savings": MONEY, "other_savings": MONEY,
        "credits": MONEY, "unused_commitment_cost": MONEY, "total_savings": MONEY,
        "effective_savings_rate_pct": "DOUBLE"},
    "commitment_recommendations": {
        "provider": "VARCHAR", "lookback_days": "INTEGER", "commitment_category": "VARCHAR", "scope": "VARCHAR",
        "billing_currency": "VARCHAR", "window_start": "TIMESTAMPTZ", "window_end": "TIMESTAMPTZ",
        "hours_counted": "BIGINT", "unit": "VARCHAR", "discount_rate": "DOUBLE", "discount_source": "VARCHAR",
        "on_demand_per_hour_avg": "DOUBLE", "recommended_per_hour": "DOUBLE",
        "recommended_commitment_per_hour": "DOUBLE",
        "recommended_count": "BIGINT", "reference_size": "VARCHAR", "expected_utilization_pct": "DOUBLE",
        "expected_coverage_pct": "DOUBLE", "expected_savings": "DOUBLE", "expected_savings_per_month": "DOUBLE",
        "break_even_utilization_pct": "DOUBLE"},
}

INVENTORY = [  # provider, id, name, type, offering, payment, term, end, days, utilization, unused, currency, active
    ("aws", "arn:aws:savingsplans::111:savingsplan/sp-1", "sp-1", "Savings Plan", "ComputeSavingsPlans", "No Upfront",
     "1yr", "2027-01-15 00:00:00+00", 40, 87.5, "12.5", "USD", True),
    ("aws", "arn:aws:ec2:us-east-1:111:reserved-instances/ri-1", "ri-1", "Reserved Instance", "standard",
     "All Upfront", "3yr", "2026-12-20 00:00:00+00", 5, 100.0, "0", "USD", True),
    ("azure", "/providers/Microsoft.Capacity/reservationOrders/o1/reservations/r1", None, "Reservation", None, None,
     None, None, None, None, None, "EUR", True),
    ("aws", "arn:aws:ec2:us-east-1:111:reserved-instances/ri-old", "ri-old", "Reserved Instance", "convertible",
     "No Upfront", "1yr", "2026-11-01 00:00:00+00", -30, 64.0, "40", "USD", False),
]
# provider, month, service, list, effective, negotiated, commitment, spot, other (total = list - effective)
SAVINGS = [
    ("aws", "2026-08-01", "Amazon EC2", "1000", "700", "50", "200", "30", "20"),
    ("aws", "2026-08-01", "Amazon S3", "200", "200", "0", "0", "0", "0"),
    ("aws", "2026-09-01", "Amazon EC2", "1200", "780", "60", "300", "40", "20"),
    ("aws", "2026-09-01", "AWS Lambda", "100", "90", None, "10", "0", "0"),
    ("aws", "2026-10-01", "Amazon EC2", "50", "49", "0", "1", "0", "0"),
    ("gcp", "2026-10-01", "Compute Engine", "300", "240", "0", "30", "0", "30"),
    ("gcp", "2026-10-01", "Cloud Storage", "0", "0", "0", "0", "0", "0"),
]
RECOMMENDATIONS = [  # provider, lookback, category, scope, currency, hours, unit, discount, source, on-demand/h,
    # covers/h, commitment/h, count, size, utilization, coverage, savings, savings/month, break-even
    ("aws", 30, "Spend", "compute", "USD", 720, "USD", 0.28, "observed", "12.34", "10", "7.2", None, None, 97.5, 81.0,
     "1500", "1520.83", 72.0),
    ("aws", 30, "Usage", "m5", "USD", 720, "Normalized Hours", 0.3, "assumed", "20", "16", None, 4, "m5.large", 99.0,
     80.0, "300", "304.17", 70.0),
    ("aws", 30, "Usage", "t3", "USD", 720, "Normalized Hours", 0.3, "assumed", "0.5", "0", None, 0, "t3.micro", None,
     0.0, "0", "0", 70.0),
    ("aws", 60, "Spend", "compute", "USD", 1440, "USD", 0.25, "observed", "11.5", "9", "6.75", None, None, 95.0, 78.0,
     "2400", "1216.67", 75.0),
    ("azure", 30, "Spend", "compute", "EUR", 700, "EUR", 0.2, "assumed", "3", "2.5", "2", None, None, 90.0, 70.0,
     "100", "104.29", 80.0),
]


def _write_read_copy(published: Path) -> Path:
    published.mkdir(parents=True)
    path = published / READ_DATABASE
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("CREATE SCHEMA rate_optimization")
        for table, columns in COLUMNS.items():
            con.execute(f"CREATE TABLE rate_optimization.{table} ("
                        + ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items()) + ")")
        for (provider, cid, name, kind, offering, payment, term, end, days, util, unused, currency,
             active) in INVENTORY:
            con.execute("INSERT INTO rate_optimization.commitment_inventory (provider, commitment_id, commitment_name, "
                        "commitment_type, offering_type, payment_option, term, end_at, days_to_expiry, "
                        "utilization_pct_30d, unused_cost_30d, billing_currency, is_active) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), ?, ?, CAST(? AS DECIMAL(38, 12)), ?, ?)",
                        [provider, cid, name, kind, offering, payment, term, end, days, util, unused, currency,
                         active])
        for provider, month, service, list_cost, effective, negotiated, commitment, spot, other in SAVINGS:
            con.execute("""
                INSERT INTO rate_optimization.savings (provider, charge_month, service_name, billing_currency,
                    list_cost, effective_cost, negotiated_savings, commitment_savings, spot_savings, other_savings,
                    total_savings, effective_savings_rate_pct)
                SELECT ?, CAST(? AS DATE), ?, 'USD', l, e, n, c, s, o, l - e,
                       CASE WHEN l <> 0 THEN 100 * (l - e) / l END
                FROM (SELECT CAST(? AS DECIMAL(38, 12)) l, CAST(? AS DECIMAL(38, 12)) e, CAST(? AS DECIMAL(38, 12)) n,
                             CAST(? AS DECIMAL(38, 12)) c, CAST(? AS DECIMAL(38, 12)) s, CAST(? AS DECIMAL(38, 12)) o)
                """, [provider, month, service, list_cost, effective, negotiated, commitment, spot, other])
        for row in RECOMMENDATIONS:
            (provider, lookback, category, scope, currency, hours, unit, discount, source, on_demand, covers,
             commitment, count, size, util, coverage, savings, per_month, break_even) = row
            con.execute("""
                INSERT INTO rate_optimization.commitment_recommendations VALUES (
                    ?, ?, ?, ?, ?, TIMESTAMPTZ '2026-10-31 23:00:00+00' - to_hours(CAST(? AS BIGINT)),
                    TIMESTAMPTZ '2026-10-31 23:00:00+00', ?, ?, ?, ?, CAST(? AS DOUBLE), CAST(? AS DOUBLE),
                    CAST(? AS DOUBLE), ?, ?, ?, ?, CAST(? AS DOUBLE), CAST(? AS DOUBLE), ?)""",
                        [provider, lookback, category, scope, currency, hours, hours, unit, discount, source,
                         on_demand, covers, commitment, count, size, util, coverage, savings, per_month, break_even])
    return path


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Tables as wide as their cells whatever the terminal (another test in the process may have set COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def published(data_dir) -> Path:
    return _write_read_copy(data_dir / "published").parent


def run(capsys, data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "rates", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def table_rows(out: str) -> list[list[str]]:
    """The cells of each body row of the tables rich printed; a cell folded over several lines joined."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        if line.lstrip().startswith("│"):
            cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
            if rows and not cells[0] and len(cells) == len(rows[-1]):
                rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
            else:
                rows.append(cells)
    return rows


def test_the_fixture_has_every_column_of_the_contract():
    contract = yaml.safe_load(CONTRACT.read_text())
    for model in contract["models"]:
        if model["name"] in COLUMNS:
            assert list(COLUMNS[model["name"]]) == [c["name"] for c in model["columns"]], model["name"]


def test_commitments(capsys, data_dir, published):
    code, out, err = run(capsys, data_dir, "commitments")

    assert code == 0 and err == ""
    rows = table_rows(out)
    assert [r[0] for r in rows] == ["aws", "aws", "azure"]  # the soonest to expire first, no end date last
    ri, sp, azure = rows
    assert ri[:9] == ["aws", "ri-1", "Reserved Instance (standard)", "3yr", "All Upfront", "2026-12-20", "5",
                      "100.0 %", "0.00 USD"]
    assert sp[:9] == ["aws", "sp-1", "Savings Plan (ComputeSavingsPlans)", "1yr", "No Upfront", "2027-01-15", "40",
                      "87.5 %", "12.50 USD"]
    # No name: its id. No term, payment, end, utilization or unused cost in the export: blank.
    assert azure[1:] == ["/providers/Microsoft.Capacity/reservationOrders/o1/reservations/r1", "Reservation",
                         *[""] * 6]
    assert "ri-old" not in out
    assert "3 commitments, 2 expiring within 90 days; unused over 30 days: 12.50 USD; 1 expired not shown (--all)" \
        in out

    code, out, err = run(capsys, data_dir, "commitments", "--all", "--provider", "AWS")

    assert code == 0
    rows = table_rows(out)
    assert [r[1] for r in rows] == ["ri-1", "sp-1", "ri-old"]
    assert rows[2][6] == "-30 expired" and rows[2][8] == "40.00 USD"


def _expected_esr(published: Path, where: str) -> str:
    with duckdb.connect(str(published / READ_DATABASE), read_only=True) as con:
        total, list_cost = con.execute(f"SELECT sum(total_savings), sum(list_cost) FROM rate_optimization.savings "
                                       f"WHERE {where}").fetchone()
    return f"{100 * total / list_cost:.1f} %"


def test_savings_per_month_and_provider_with_the_rate_from_the_sums(capsys, data_dir, published):
    code, out, err = run(capsys, data_dir, "savings", "--months", "2")

    assert code == 0 and err == ""
    body = table_rows(out)
    assert [r[:2] for r in body] == [["2026-09", "aws"], ["2026-10", "aws"], ["2026-10", "gcp"],
                                     ["2026-09..2026-10", "aws"], ["2026-10", "gcp"]]
    september = body[0]
    # list, effective, negotiated (a NULL summed away), commitments, spot, other, total, ESR
    assert september[2:] == ["USD", "1,300.00", "870.00", "60.00", "310.00", "40.00", "20.00", "430.00", "33.1 %"]
    assert september[-1] == _expected_esr(published, "provider = 'aws' AND charge_month = '2026-09-01'")
    # The two months' ESR is Σ savings / Σ list (31.9 %), not the mean of the months' rates (17.5 %).
    assert body[3][-1] == _expected_esr(published, "provider = 'aws' AND charge_month >= '2026-09-01'") == "31.9 %"
    assert body[2][-1] == _expected_esr(published, "provider = 'gcp'") == "20.0 %"
    assert "2026-08" not in out

    code, out, err = run(capsys, data_dir, "savings", "--provider", "gcp")

    assert code == 0
    assert [r[:2] for r in table_rows(out)] == [["2026-10", "gcp"]]


def test_recommendations_show_how_they_were_computed(capsys, data_dir, published):
    code, out, err = run(capsys, data_dir, "recommend")

    assert code == 0 and err == ""
    rows = table_rows(out)
    assert [r[:2] for r in rows] == [["aws", "Spend: compute"], ["aws", "Usage: m5"], ["aws", "Usage: t3"],
                                     ["azure", "Spend: compute"]]
    # hours, discount and its source, on-demand/h, covers/h, buy, utilization, coverage, savings/month, break-even
    assert rows[0][2:] == ["720", "28.0 % observed", "12.340 USD/h", "10.000 USD/h", "7.200 USD/h", "97.5 %",
                           "81.0 %", "1,520.83 USD", "72.0 %"]
    assert rows[1][2:] == ["720", "30.0 % assumed", "20.000 Normalized Hours/h", "16.000 Normalized Hours/h",
                           "4 × m5.large", "99.0 %", "80.0 %", "304.17 USD", "70.0 %"]
    assert rows[2][6:8] == ["nothing", ""]
    assert rows[3][2:4] == ["700", "20.0 % assumed"]
    assert "aws: hourly usage from 2026-10-01 23:00 to 2026-10-31 23:00 UTC" in out

    code, out, err = run(capsys, data_dir, "recommend", "--lookback", "60", "--provider", "aws")

    assert code == 0
    assert [r[2:5] for r in table_rows(out)] == [["1,440", "25.0 % observed", "11.500 USD/h"]]


def test_without_published_marts_the_error_says_how_to_get_them(capsys, data_dir):
    code, out, err = run(capsys, data_dir, "savings")

    assert code == 2 and out == ""
    assert err.splitlines() == [f"finops: {data_dir / 'published' / READ_DATABASE}: no published data yet "
                                "(import or build first)"]

    (data_dir / "published").mkdir()
    duckdb.connect(str(data_dir / "published" / READ_DATABASE)).close()
    code, out, err = run(capsys, data_dir, "commitments")

    assert code == 2
    assert len(err.splitlines()) == 1
    assert "has no rate_optimization.commitment_inventory" in err and "finops focus build" in err


# --------------------------------------------------------------------------- AWS Cost Explorer
@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_compare_aws_without_credentials_prints_ours_and_one_error_line(capsys, data_dir, published,
                                                                         no_aws_credentials):
    code, out, err = run(capsys, data_dir, "recommend", "--compare-aws")

    assert code == 1
    assert [r[:2] for r in table_rows(out)][0] == ["aws", "Spend: compute"]  # ours, printed first
    assert err.splitlines() == ["finops: AWS Cost Explorer: no AWS credentials found (environment, shared profile, "
                                "SSO or instance role)"]


def test_compare_aws_access_denied(capsys, data_dir, published, aws_credentials, monkeypatch):
    # The moto server checks IAM policies: the test user may use S3 and nothing else.
    monkeypatch.setenv("AWS_ENDPOINT_URL_COST_EXPLORER", aws_credentials["endpoint_url"])

    code, out, err = run(capsys, data_dir, "recommend", "--compare-aws", "--aws-reservations")

    assert code == 1
    assert len(table_rows(out)) == 4  # ours
    assert "Cost Explorer" not in out
    [line] = err.splitlines()
    assert line.startswith("finops: AWS Cost Explorer GetSavingsPlansPurchaseRecommendation: AccessDenied")
    assert "ce:GetSavingsPlansPurchaseRecommendation" in line
    assert aws_credentials["secret"] not in out + err


def test_compare_aws_with_an_unknown_key_never_prints_the_secret(capsys, data_dir, published, aws_credentials,
                                                                  monkeypatch):
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYNOTAREALKEY"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL_COST_EXPLORER", aws_credentials["endpoint_url"])

    code, out, err = run(capsys, data_dir, "recommend", "--compare-aws")

    assert code == 1
    [line] = err.splitlines()
    assert line.startswith("finops: AWS Cost Explorer GetSavingsPlansPurchaseRecommendation: InvalidClientTokenId: ")
    assert line.endswith("(the access key is not valid)")
    assert secret not in out + err


def test_compare_aws_is_for_aws(capsys, data_dir, published):
    code, out, err = run(capsys, data_dir, "recommend", "--compare-aws", "--provider", "azure")

    assert code == 2 and out == ""
    assert err.splitlines() == ["finops: --compare-aws compares AWS recommendations: not with --provider azure"]


# A Cost Explorer endpoint on 127.0.0.1 (moto implements neither recommendation operation). It speaks
# the service's JSON protocol, checks every request against botocore's model of the service, and answers
# with bodies that pass the same check against the operations' output shapes, paged as AWS pages them.
CE_PAGES = {
    "GetSavingsPlansPurchaseRecommendation": [
        {"Metadata": {"RecommendationId": "r-1", "GenerationTimestamp": "2026-11-01T06:00:00Z"},
         "SavingsPlansPurchaseRecommendation": {
             "AccountScope": "PAYER", "SavingsPlansType": "COMPUTE_SP", "TermInYears": "ONE_YEAR",
             "PaymentOption": "NO_UPFRONT", "LookbackPeriodInDays": "THIRTY_DAYS",
             "SavingsPlansPurchaseRecommendationDetails": [
                 {"AccountId": "111111111111", "CurrencyCode": "USD", "HourlyCommitmentToPurchase": "5.0",
                  "EstimatedAverageUtilization": "98.0", "CurrentAverageHourlyOnDemandSpend": "7.0",
                  "EstimatedOnDemandCost": "1200.0", "UpfrontCost": "0.0", "EstimatedMonthlySavingsAmount": "1100"}],
             "SavingsPlansPurchaseRecommendationSummary": {
                 "CurrencyCode": "USD", "HourlyCommitmentToPurchase": "7.5", "TotalRecommendationCount": "2",
                 "EstimatedMonthlySavingsAmount": "1642.5", "EstimatedSavingsPercentage": "22.1",
                 "CurrentOnDemandSpend": "7440.0"}},
         "NextPageToken": "page-2"},
        {"Metadata": {"RecommendationId": "r-1", "GenerationTimestamp": "2026-11-01T06:00:00Z"},
         "SavingsPlansPurchaseRecommendation": {"SavingsPlansPurchaseRecommendationDetails": [
             {"AccountId": "222222222222", "CurrencyCode": "USD", "HourlyCommitmentToPurchase": "2.5",
              "EstimatedAverageUtilization": "92.0", "CurrentAverageHourlyOnDemandSpend": "3.33",
              "EstimatedOnDemandCost": "600.0", "UpfrontCost": "0.0", "EstimatedMonthlySavingsAmount": "542.5"}]}},
    ],
    "GetReservationPurchaseRecommendation": [
        {"Metadata": {"RecommendationId": "r-2", "GenerationTimestamp": "2026-11-01T06:00:00Z"},
         "Recommendations": [{"AccountScope": "PAYER", "LookbackPeriodInDays": "THIRTY_DAYS",
                              "TermInYears": "ONE_YEAR", "PaymentOption": "NO_UPFRONT", "RecommendationDetails": [
             {"AccountId": "111111111111", "CurrencyCode": "USD", "RecommendedNumberOfInstancesToPurchase": "4",
              "RecommendedNormalizedUnitsToPurchase": "16", "AverageUtilization": "97.5",
              "EstimatedMonthlySavingsAmount": "120.5", "EstimatedBreakEvenInMonths": "7.2",
              "InstanceDetails": {"EC2InstanceDetails": {"Family": "m5", "InstanceType": "m5.large",
                                                         "Region": "us-east-1", "Platform": "Linux/UNIX"}}}]}],
         "NextPageToken": "page-2"},
        {"Metadata": {"RecommendationId": "r-2", "GenerationTimestamp": "2026-11-01T06:00:00Z"},
         "Recommendations": [{"RecommendationDetails": [
             {"AccountId": "111111111111", "CurrencyCode": "USD", "RecommendedNumberOfInstancesToPurchase": "2",
              "RecommendedNormalizedUnitsToPurchase": "16", "AverageUtilization": "90.0",
              "EstimatedMonthlySavingsAmount": "80.0", "EstimatedBreakEvenInMonths": "8.0",
              "InstanceDetails": {"EC2InstanceDetails": {"Family": "c5", "InstanceType": "c5.xlarge",
                                                         "Region": "eu-west-1", "Platform": "Linux/UNIX"}}}]}]},
    ],
}


class CostExplorer(LocalServer):
    """A Cost Explorer endpoint answering CE_PAGES; `requests` holds what it got: (operation, body, problems)."""

    def __init__(self) -> None:
        import botocore.session

        model = botocore.session.get_session().get_service_model("ce")
        for operation, pages in CE_PAGES.items():  # the answers are what the model says AWS returns
            for page in pages:
                assert _model_problems(page, model.operation_model(operation).output_shape) == "", operation
        self.requests: list[tuple[str, dict, str]] = []
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):
                operation = self.headers["X-Amz-Target"].removeprefix(model.metadata["targetPrefix"] + ".")
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                found = _model_problems(body, model.operation_model(operation).input_shape)
                if self.headers["Content-Type"] != "application/x-amz-json-1.1" or "Credential=AKIA" not in \
                        self.headers.get("Authorization", ""):
                    found += " not a signed JSON 1.1 request"
                outer.requests.append((operation, body, found))
                pages = CE_PAGES[operation]
                answer = json.dumps(pages[1] if body.get("NextPageToken") == "page-2" else pages[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.url = self._serve(Handler)


def _model_problems(body: dict, shape) -> str:
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(body, shape)
    return report.generate_report() if report.has_errors() else ""


@pytest.fixture
def cost_explorer(monkeypatch):
    """The requests a CostExplorer got, which the AWS SDK's standard variables point the CLI to."""
    server = CostExplorer()
    monkeypatch.setenv("AWS_ENDPOINT_URL_COST_EXPLORER", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield server.requests
    server.close()


def test_compare_aws_prints_ours_next_to_cost_explorer(capsys, data_dir, published, cost_explorer):
    code, out, err = run(capsys, data_dir, "recommend", "--compare-aws", "--aws-reservations")

    assert code == 0 and err == ""
    assert [(op, body.get("NextPageToken"), found) for op, body, found in cost_explorer] == [
        ("GetSavingsPlansPurchaseRecommendation", None, ""), ("GetSavingsPlansPurchaseRecommendation", "page-2", ""),
        ("GetReservationPurchaseRecommendation", None, ""), ("GetReservationPurchaseRecommendation", "page-2", "")]
    assert cost_explorer[0][1] == {"SavingsPlansType": "COMPUTE_SP", "TermInYears": "ONE_YEAR",
                                   "PaymentOption": "NO_UPFRONT", "LookbackPeriodInDays": "THIRTY_DAYS",
                                   "AccountScope": "PAYER"}
    rows = {r[0]: r[1:] for r in table_rows(out) if len(r) == 3}
    assert rows["hourly commitment to buy"] == ["7.200 USD/h", "7.500 USD/h"]  # ours is the fixture's 30-day row
    assert rows["on-demand eligible spend per hour (avg)"] == ["12.340 USD/h", "10.330 USD/h"]  # 7.0 + 3.33
    assert rows["expected utilization"] == ["97.5 %", "96.0 %"]  # (98 × 5 + 92 × 2.5) / 7.5
    assert rows["expected coverage"] == ["81.0 %", "75.8 %"]  # 1 − (1200 + 600) / 7440
    assert rows["savings per month"] == ["1,520.83 USD", "1,642.50 USD"]
    families = {r[0]: r[1:] for r in table_rows(out) if len(r) == 8}
    assert families["m5"] == ["4 × m5.large", "16.000", "304.17 USD", "4 × m5.large us-east-1", "16.000", "97.5 %",
                              "120.50 USD"]
    assert families["c5"][:3] == ["", "", ""]  # Cost Explorer's alone
    assert families["c5"][3:] == ["2 × c5.xlarge eu-west-1", "16.000", "90.0 %", "80.00 USD"]
