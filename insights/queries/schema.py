"""Typed models of PostHog's query schema (InsightVizNode, TrendsQuery, ... HogQLQuery).

Usage::

    normalised = validate_query(request.data["query"])    # 400 naming the field on bad input
    kind = insight_type(normalised)                         # "TRENDS", "SQL", "JSON", ...
    source = parse_source(normalised)                       # the typed node a runner computes

Unknown keys inside a known node are kept (the frontend adds display flags faster than any
schema follows), but an unknown ``kind`` or a value of the wrong type is an error whose DRF
detail is nested like the input, so the error handler's ``attr`` names the path
(``query__source__series__0__math``). So is a date the engine cannot compute with
(``"date_from": "-99999999999d"``); unparseable date text still means now, as in PostHog.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from typing import Any
from typing import Literal
from typing import Self

from django.utils import timezone
from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Discriminator
from pydantic import Field
from pydantic import Tag
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic import ValidationInfo
from pydantic import field_validator
from pydantic import model_validator
from pydantic_core import PydanticCustomError
from rest_framework.exceptions import ValidationError

from insights.queries.dates import compare_period_supported
from insights.queries.dates import supported_date
from posthog_api.json_values import check_storable


class Node(BaseModel):
    """Base of every schema object: extra keys are kept, declared keys are typed."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- scalars --------------------------------------------------------------------------------------

IntervalType = Literal["minute", "hour", "day", "week", "month"]

MathType = Literal[
    "total",
    "dau",
    "weekly_active",
    "monthly_active",
    "unique_session",
    "first_time_for_user",
    "first_matching_event_for_user",
    "sum",
    "avg",
    "min",
    "max",
    "median",
    "p75",
    "p90",
    "p95",
    "p99",
    "avg_count_per_actor",
    "min_count_per_actor",
    "max_count_per_actor",
    "median_count_per_actor",
    "p75_count_per_actor",
    "p90_count_per_actor",
    "p95_count_per_actor",
    "p99_count_per_actor",
    "unique_group",
    "hogql",
]

PropertyOperator = Literal[
    "exact",
    "is_not",
    "icontains",
    "not_icontains",
    "regex",
    "not_regex",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
    "is_not_set",
    "is_date_exact",
    "is_date_before",
    "is_date_after",
    "between",
    "not_between",
    "min",
    "max",
    "in",
    "not_in",
    "is_cleaned_path_exact",
    "flag_evaluates_to",
    "icontains_multi",
    "not_icontains_multi",
]

ChartDisplayType = Literal[
    "ActionsLineGraph",
    "ActionsBar",
    "ActionsUnstackedBar",
    "ActionsStackedBar",
    "ActionsAreaGraph",
    "ActionsLineGraphCumulative",
    "BoldNumber",
    "ActionsPie",
    "ActionsBarValue",
    "ActionsTable",
    "WorldMap",
    "CalendarHeatmap",
    "TwoDimensionalHeatmap",
]

BreakdownType = Literal[
    "cohort",
    "person",
    "event",
    "event_metadata",
    "group",
    "session",
    "hogql",
    "data_warehouse",
    "data_warehouse_person_property",
    "revenue_analytics",
]


def _scalar_or_list(value: Any) -> Any:
    """A property value / breakdown: a scalar, null, or a flat list of scalars."""
    scalars = (str, int, float, bool)
    if value is None or isinstance(value, scalars):
        return value
    if isinstance(value, list) and all(v is None or isinstance(v, scalars) for v in value):
        return value
    raise ValueError("Must be a string, number, boolean, null or a list of those.")


ScalarOrList = Annotated[Any, AfterValidator(_scalar_or_list)]


def _utc_now() -> datetime:
    return timezone.now().replace(tzinfo=None)


def _supported_date(value: str | None) -> str | None:
    """A date the engine can compute with (DateOutOfRange, a ValueError, if not)."""
    if value is not None and value != "all":
        supported_date(value, now=_utc_now())
    return value


DateString = Annotated[str | None, AfterValidator(_supported_date)]
DATE_OPERATORS = frozenset({"is_date_exact", "is_date_before", "is_date_after"})
# A cross-field error names the input key it is about here (pydantic places it on the model).
INPUT_PATH = "input_path"


# --- property filters -----------------------------------------------------------------------------


class PropertyFilterBase(Node):
    key: str
    operator: PropertyOperator | None = None
    value: ScalarOrList = None
    label: str | None = None

    @field_validator("value")
    @classmethod
    def _dates_in_range(cls, value: Any, info: ValidationInfo) -> Any:
        if info.data.get("operator") in DATE_OPERATORS:
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    _supported_date(str(item))
        return value


class EventPropertyFilter(PropertyFilterBase):
    type: Literal["event"] = "event"


class PersonPropertyFilter(PropertyFilterBase):
    type: Literal["person"]


class ElementPropertyFilter(PropertyFilterBase):
    type: Literal["element"]
    key: Literal["tag_name", "text", "href", "selector"]  # type: ignore[assignment]


class SessionPropertyFilter(PropertyFilterBase):
    type: Literal["session"]


class EventMetadataPropertyFilter(PropertyFilterBase):
    type: Literal["event_metadata"]


class GroupPropertyFilter(PropertyFilterBase):
    type: Literal["group"]
    group_type_index: int | None = None


class CohortPropertyFilter(Node):
    type: Literal["cohort"]
    key: Literal["id"] = "id"
    value: int
    operator: Literal["in", "not_in"] | None = None
    cohort_name: str | None = None
    label: str | None = None


class HogQLPropertyFilter(Node):
    type: Literal["hogql"]
    key: str
    value: ScalarOrList = None
    label: str | None = None


class OtherPropertyFilter(PropertyFilterBase):
    """Filter types the schema knows but this service does not compute yet (recordings, ...)."""

    type: Literal[
        "recording",
        "log_entry",
        "feature",
        "flag",
        "data_warehouse",
        "data_warehouse_person_property",
        "error_tracking_issue",
        "revenue_analytics",
        "log",
        "log_attribute",
        "workflow_variable",
    ]


_FILTER_TAGS: dict[str, str] = {
    "event": "EventPropertyFilter",
    "person": "PersonPropertyFilter",
    "element": "ElementPropertyFilter",
    "session": "SessionPropertyFilter",
    "event_metadata": "EventMetadataPropertyFilter",
    "group": "GroupPropertyFilter",
    "cohort": "CohortPropertyFilter",
    "hogql": "HogQLPropertyFilter",
    "AND": "PropertyGroupFilterValue",
    "OR": "PropertyGroupFilterValue",
}
_OTHER_FILTER_TYPES = frozenset(OtherPropertyFilter.model_fields["type"].annotation.__args__)  # type: ignore[union-attr]


def _filter_tag(value: Any) -> str | None:
    raw = value.get("type", "event") if isinstance(value, dict) else getattr(value, "type", None)
    if raw in _OTHER_FILTER_TYPES:
        return "OtherPropertyFilter"
    return _FILTER_TAGS.get(raw) if isinstance(raw, str) else None


AnyPropertyFilter = Annotated[
    Annotated[EventPropertyFilter, Tag("EventPropertyFilter")]
    | Annotated[PersonPropertyFilter, Tag("PersonPropertyFilter")]
    | Annotated[ElementPropertyFilter, Tag("ElementPropertyFilter")]
    | Annotated[SessionPropertyFilter, Tag("SessionPropertyFilter")]
    | Annotated[EventMetadataPropertyFilter, Tag("EventMetadataPropertyFilter")]
    | Annotated[GroupPropertyFilter, Tag("GroupPropertyFilter")]
    | Annotated[CohortPropertyFilter, Tag("CohortPropertyFilter")]
    | Annotated[HogQLPropertyFilter, Tag("HogQLPropertyFilter")]
    | Annotated[OtherPropertyFilter, Tag("OtherPropertyFilter")]
    | Annotated["PropertyGroupFilterValue", Tag("PropertyGroupFilterValue")],
    Discriminator(
        _filter_tag,
        custom_error_type="invalid_property_filter",
        custom_error_message="Unknown property filter type.",
    ),
]


class PropertyGroupFilterValue(Node):
    type: Literal["AND", "OR"]
    values: list[AnyPropertyFilter]


class PropertyGroupFilter(Node):
    type: Literal["AND", "OR"]
    values: list[PropertyGroupFilterValue]


PropertyGroupFilterValue.model_rebuild()
PROPERTY_FILTER_LIST: TypeAdapter[list[Any]] = TypeAdapter(list[AnyPropertyFilter])


def _properties_tag(value: Any) -> str:
    return "group" if isinstance(value, dict | PropertyGroupFilter) else "list"


Properties = Annotated[
    Annotated[list[AnyPropertyFilter], Tag("list")] | Annotated[PropertyGroupFilter, Tag("group")],
    Discriminator(_properties_tag),
]


# --- series ---------------------------------------------------------------------------------------


class SeriesBase(Node):
    name: str | None = None
    custom_name: str | None = None
    math: MathType | None = None
    math_property: str | None = None
    math_property_type: str | None = None
    math_property_revenue_currency: Any = None
    math_hogql: str | None = None
    math_group_type_index: Literal[0, 1, 2, 3, 4] | None = None
    math_multiplier: float | None = None
    properties: list[AnyPropertyFilter] | None = None
    fixedProperties: list[AnyPropertyFilter] | None = None
    optionalInFunnel: bool | None = None


class EventsNode(SeriesBase):
    kind: Literal["EventsNode"]
    event: str | None = None
    limit: int | None = None
    orderBy: list[str] | None = None


class ActionsNode(SeriesBase):
    kind: Literal["ActionsNode"]
    id: int


class DataWarehouseNode(SeriesBase):
    kind: Literal["DataWarehouseNode"]
    id: str
    table_name: str
    timestamp_field: str
    id_field: str
    distinct_id_field: str


def _kind_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if isinstance(kind, str) else None


AnySeries = Annotated[
    Annotated[EventsNode, Tag("EventsNode")]
    | Annotated[ActionsNode, Tag("ActionsNode")]
    | Annotated[DataWarehouseNode, Tag("DataWarehouseNode")],
    Discriminator(
        _kind_tag,
        custom_error_type="invalid_kind",
        custom_error_message="Unknown or missing series kind.",
    ),
]


# --- shared query parts ---------------------------------------------------------------------------


class DateRange(Node):
    date_from: DateString = None
    date_to: DateString = None
    explicitDate: bool | None = None


class BreakdownItem(Node):
    property: str | int
    type: BreakdownType | None = None
    normalize_url: bool | None = None
    histogram_bin_count: int | None = None
    group_type_index: int | None = None


class BreakdownFilter(Node):
    breakdown: ScalarOrList = None
    breakdown_type: BreakdownType | None = None
    breakdown_limit: int | None = Field(default=None, ge=1)
    breakdown_hide_other_aggregation: bool | None = None
    breakdown_normalize_url: bool | None = None
    breakdown_histogram_bin_count: int | None = None
    breakdown_group_type_index: int | None = None
    breakdowns: list[BreakdownItem] | None = Field(default=None, max_length=3)


class CompareFilter(Node):
    compare: bool | None = None
    compare_to: DateString = None


def _check_compare_period(query: TrendsQuery | StickinessQuery) -> None:
    """The previous period of a compared range must stay in the supported dates as well."""
    compare = query.compareFilter
    if compare is None or not compare.compare:
        return
    date_range = query.dateRange or DateRange()
    if compare_period_supported(
        date_from=date_range.date_from,
        date_to=date_range.date_to,
        compare_to=compare.compare_to,
        now=_utc_now(),
    ):
        return
    field = "compare_to" if compare.compare_to else "compare"
    raise PydanticCustomError(
        "date_out_of_range",
        "The period compared to is out of the supported date range.",
        {INPUT_PATH: ("compareFilter", field)},
    )


class FormulaNode(Node):
    formula: str
    custom_name: str | None = None


class TrendsFilter(Node):
    display: ChartDisplayType | None = None
    formula: str | None = None
    formulas: list[str] | None = None
    formulaNodes: list[FormulaNode] | None = None
    smoothingIntervals: int | None = Field(default=None, ge=1)


class StickinessCriteria(Node):
    operator: Literal["gte", "lte", "exact"]
    value: int


class StickinessFilter(Node):
    computedAs: Literal["non_cumulative", "cumulative"] | None = None
    stickinessCriteria: StickinessCriteria | None = None
    display: ChartDisplayType | None = None


class LifecycleFilter(Node):
    toggledLifecycles: list[Literal["new", "returning", "resurrecting", "dormant"]] | None = None


class InsightQueryBase(Node):
    dateRange: DateRange | None = None
    properties: Properties | None = None
    filterTestAccounts: bool | None = None
    samplingFactor: float | None = None
    aggregation_group_type_index: int | None = None
    modifiers: dict[str, Any] | None = None
    tags: dict[str, Any] | None = None
    version: float | None = None


# --- insight queries ------------------------------------------------------------------------------


class TrendsQuery(InsightQueryBase):
    kind: Literal["TrendsQuery"]
    series: list[AnySeries]
    interval: IntervalType | None = None
    breakdownFilter: BreakdownFilter | None = None
    compareFilter: CompareFilter | None = None
    trendsFilter: TrendsFilter | None = None

    @model_validator(mode="after")
    def _compare_period(self) -> Self:
        _check_compare_period(self)
        return self


class StickinessQuery(InsightQueryBase):
    kind: Literal["StickinessQuery"]
    series: list[AnySeries]
    interval: IntervalType | None = None
    intervalCount: int | None = Field(default=None, ge=1)
    compareFilter: CompareFilter | None = None
    stickinessFilter: StickinessFilter | None = None

    @model_validator(mode="after")
    def _compare_period(self) -> Self:
        _check_compare_period(self)
        return self


class LifecycleQuery(InsightQueryBase):
    kind: Literal["LifecycleQuery"]
    series: list[AnySeries]
    interval: IntervalType | None = None
    lifecycleFilter: LifecycleFilter | None = None


class FunnelExclusion(SeriesBase):
    """An event (or action) that drops a path between two steps (§3.3)."""

    kind: Literal["EventsNode", "ActionsNode"]
    event: str | None = None
    id: int | None = None
    funnelFromStep: int = 0
    funnelToStep: int = 1


class FunnelsFilter(Node):
    funnelVizType: Literal["steps", "time_to_convert", "trends"] | None = None
    funnelOrderType: Literal["ordered", "unordered", "strict"] | None = None
    funnelWindowInterval: int | None = Field(default=None, ge=1)
    funnelWindowIntervalUnit: Literal["second", "minute", "hour", "day", "week", "month"] | None = (
        None
    )
    breakdownAttributionType: Literal["first_touch", "last_touch", "all_events", "step"] | None = (
        None
    )
    breakdownAttributionValue: int | None = None
    exclusions: list[FunnelExclusion] | None = None
    funnelFromStep: int | None = None
    funnelToStep: int | None = None
    binCount: int | None = None


def _funnel_error(message: str, *path: str | int) -> PydanticCustomError:
    return PydanticCustomError("invalid_funnel", message, {INPUT_PATH: path})


def _check_funnel(query: FunnelsQuery) -> None:
    """PostHog's funnel validation rules (§3.1), each a 400 naming its field."""
    steps = len(query.series)
    if steps < 2:
        raise _funnel_error("A funnel needs at least two steps.", "series")
    options = query.funnelsFilter or FunnelsFilter()
    order = options.funnelOrderType or "ordered"
    viz = options.funnelVizType or "steps"
    for index, step in enumerate(query.series):
        if not step.optionalInFunnel:
            continue
        if index == 0:
            raise _funnel_error(
                "The first step of a funnel cannot be optional.", "series", 0, "optionalInFunnel"
            )
        if order == "unordered" or viz != "steps":
            raise _funnel_error(
                "Optional steps are only supported in ordered or strict steps funnels.",
                "series",
                index,
                "optionalInFunnel",
            )
    low = options.funnelFromStep if options.funnelFromStep is not None else 0
    high = options.funnelToStep if options.funnelToStep is not None else steps - 1
    if not 0 <= low < steps - 1:
        raise _funnel_error(
            f"funnelFromStep must be between 0 and {steps - 2}.", "funnelsFilter", "funnelFromStep"
        )
    if not low < high <= steps - 1:
        raise _funnel_error(
            f"funnelToStep must be after funnelFromStep and at most {steps - 1}.",
            "funnelsFilter",
            "funnelToStep",
        )
    for index, exclusion in enumerate(options.exclusions or []):
        where = ("funnelsFilter", "exclusions", index)
        if not 0 <= exclusion.funnelFromStep < steps - 1:
            raise _funnel_error(
                f"funnelFromStep must be between 0 and {steps - 2}.", *where, "funnelFromStep"
            )
        if not exclusion.funnelFromStep < exclusion.funnelToStep <= steps - 1:
            raise _funnel_error(
                f"funnelToStep must be after funnelFromStep and at most {steps - 1}.",
                *where,
                "funnelToStep",
            )
        if order == "unordered" and (exclusion.funnelFromStep, exclusion.funnelToStep) != (
            0,
            steps - 1,
        ):
            raise _funnel_error(
                "Partial exclusions are not allowed in unordered funnels.", *where, "funnelToStep"
            )
        for step in query.series[exclusion.funnelFromStep : exclusion.funnelToStep + 1]:
            same_event = getattr(step, "event", None) == exclusion.event
            same_action = getattr(step, "id", None) == exclusion.id
            if step.kind == exclusion.kind and same_event and same_action:
                raise _funnel_error(
                    "Exclusion steps cannot contain an event that's part of funnel steps.", *where
                )
    if options.breakdownAttributionType == "step":
        value = options.breakdownAttributionValue
        if value is None or not 0 <= value < steps:
            raise _funnel_error(
                f"breakdownAttributionValue must be a step between 0 and {steps - 1}.",
                "funnelsFilter",
                "breakdownAttributionValue",
            )
        if order == "unordered" and value != 0:
            raise _funnel_error(
                "Only the first step can be used for breakdown attribution in unordered funnels.",
                "funnelsFilter",
                "breakdownAttributionValue",
            )


class FunnelsQuery(InsightQueryBase):
    kind: Literal["FunnelsQuery"]
    series: list[AnySeries]
    interval: IntervalType | None = None
    breakdownFilter: BreakdownFilter | None = None
    funnelsFilter: FunnelsFilter | None = None

    @model_validator(mode="after")
    def _funnel_rules(self) -> Self:
        _check_funnel(self)
        return self


class RetentionEntity(Node):
    id: str | int | None = None
    type: Literal["events", "actions"] | None = None
    name: str | None = None


class RetentionFilter(Node):
    retentionType: (
        Literal["retention_recurring", "retention_first_time", "retention_first_ever_occurrence"]
        | None
    ) = None
    period: Literal["Hour", "Day", "Week", "Month"] | None = None
    totalIntervals: int | None = None
    targetEntity: RetentionEntity | None = None
    returningEntity: RetentionEntity | None = None
    minimumOccurrences: int | None = None
    cumulative: bool | None = None


class RetentionQuery(InsightQueryBase):
    kind: Literal["RetentionQuery"]
    retentionFilter: RetentionFilter
    breakdownFilter: BreakdownFilter | None = None


class PathsFilter(Node):
    includeEventTypes: list[Literal["$pageview", "$screen", "custom_event", "hogql"]] | None = None
    startPoint: str | None = None
    endPoint: str | None = None
    stepLimit: int | None = None
    edgeLimit: int | None = None
    excludeEvents: list[str] | None = None


class PathsQuery(InsightQueryBase):
    kind: Literal["PathsQuery"]
    pathsFilter: PathsFilter
    funnelPathsFilter: dict[str, Any] | None = None


# --- SQL and table queries ------------------------------------------------------------------------


class HogQLQuery(Node):
    kind: Literal["HogQLQuery"]
    query: str
    filters: dict[str, Any] | None = None
    variables: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    modifiers: dict[str, Any] | None = None
    name: str | None = None
    tags: dict[str, Any] | None = None


class EventsQuery(Node):
    kind: Literal["EventsQuery"]
    select: list[str]
    where: list[str] | None = None
    event: str | None = None
    properties: list[AnyPropertyFilter] | None = None
    limit: int | None = None
    orderBy: list[str] | None = None


class FunnelsActorsQuery(Node):
    """Who is behind a funnel number: reached step k (k > 0) or dropped before step k (k < 0)."""

    kind: Literal["FunnelsActorsQuery"]
    source: FunnelsQuery
    funnelStep: int | None = None
    funnelStepBreakdown: str | int | float | list[str | int | float] | None = None
    funnelCustomSteps: list[int] | None = None
    funnelTrendsDropOff: bool | None = None
    funnelTrendsEntrancePeriodStart: str | None = None
    includeRecordings: bool | None = None

    @model_validator(mode="after")
    def _step_in_range(self) -> Self:
        steps = len(self.source.series)
        step = self.funnelStep
        if step is None or step == 0 or step == -1 or abs(step) > steps:
            raise _funnel_error(
                f"funnelStep must be 1..{steps} (reached) or -2..-{steps} (dropped off).",
                "funnelStep",
            )
        return self


class ActorsQuery(Node):
    kind: Literal["ActorsQuery"]
    source: FunnelsActorsQuery | None = None
    select: list[str] | None = None
    search: str | None = None
    limit: int | None = Field(default=None, ge=1, le=10000)
    offset: int | None = Field(default=None, ge=0)
    orderBy: list[str] | None = None


class GroupsQuery(Node):
    kind: Literal["GroupsQuery"]
    group_type_index: int


class PersonsNode(Node):
    kind: Literal["PersonsNode"]
    search: str | None = None


InsightSource = Annotated[
    Annotated[TrendsQuery, Tag("TrendsQuery")]
    | Annotated[FunnelsQuery, Tag("FunnelsQuery")]
    | Annotated[RetentionQuery, Tag("RetentionQuery")]
    | Annotated[PathsQuery, Tag("PathsQuery")]
    | Annotated[StickinessQuery, Tag("StickinessQuery")]
    | Annotated[LifecycleQuery, Tag("LifecycleQuery")],
    Discriminator(
        _kind_tag,
        custom_error_type="invalid_kind",
        custom_error_message="Unknown or missing insight query kind.",
    ),
]

TableSource = Annotated[
    Annotated[HogQLQuery, Tag("HogQLQuery")]
    | Annotated[EventsQuery, Tag("EventsQuery")]
    | Annotated[ActorsQuery, Tag("ActorsQuery")]
    | Annotated[GroupsQuery, Tag("GroupsQuery")]
    | Annotated[PersonsNode, Tag("PersonsNode")]
    | Annotated[EventsNode, Tag("EventsNode")]
    | Annotated[ActionsNode, Tag("ActionsNode")],
    Discriminator(
        _kind_tag,
        custom_error_type="invalid_kind",
        custom_error_message="Unknown or missing table source kind.",
    ),
]


class InsightVizNode(Node):
    kind: Literal["InsightVizNode"]
    source: InsightSource


class DataVisualizationNode(Node):
    kind: Literal["DataVisualizationNode"]
    source: Annotated[HogQLQuery, Tag("HogQLQuery")]
    display: ChartDisplayType | None = None


class DataTableNode(Node):
    kind: Literal["DataTableNode"]
    source: TableSource
    columns: list[str] | None = None


QueryRoot = Annotated[
    Annotated[InsightVizNode, Tag("InsightVizNode")]
    | Annotated[DataVisualizationNode, Tag("DataVisualizationNode")]
    | Annotated[DataTableNode, Tag("DataTableNode")]
    | Annotated[TrendsQuery, Tag("TrendsQuery")]
    | Annotated[FunnelsQuery, Tag("FunnelsQuery")]
    | Annotated[RetentionQuery, Tag("RetentionQuery")]
    | Annotated[PathsQuery, Tag("PathsQuery")]
    | Annotated[StickinessQuery, Tag("StickinessQuery")]
    | Annotated[LifecycleQuery, Tag("LifecycleQuery")]
    | Annotated[HogQLQuery, Tag("HogQLQuery")]
    | Annotated[EventsQuery, Tag("EventsQuery")]
    | Annotated[ActorsQuery, Tag("ActorsQuery")]
    | Annotated[GroupsQuery, Tag("GroupsQuery")]
    | Annotated[PersonsNode, Tag("PersonsNode")]
    | Annotated[EventsNode, Tag("EventsNode")]
    | Annotated[ActionsNode, Tag("ActionsNode")],
    Discriminator(
        _kind_tag,
        custom_error_type="invalid_kind",
        custom_error_message="Unknown or missing query kind.",
    ),
]


class _Root(BaseModel):
    query: QueryRoot


WRAPPER_KINDS = frozenset({"InsightVizNode", "DataVisualizationNode", "DataTableNode"})
INSIGHT_KINDS: dict[str, str] = {
    "TrendsQuery": "TRENDS",
    "FunnelsQuery": "FUNNELS",
    "RetentionQuery": "RETENTION",
    "PathsQuery": "PATHS",
    "StickinessQuery": "STICKINESS",
    "LifecycleQuery": "LIFECYCLE",
}

# Discriminator tags and union member labels pydantic puts into ``loc``; they are not input keys.
_TAG_NAMES = frozenset(
    {
        *_FILTER_TAGS.values(),
        "OtherPropertyFilter",
        "list",
        "group",
        *INSIGHT_KINDS,
        *WRAPPER_KINDS,
        "HogQLQuery",
        "EventsQuery",
        "ActorsQuery",
        "GroupsQuery",
        "PersonsNode",
        "EventsNode",
        "ActionsNode",
        "DataWarehouseNode",
    }
)
_UNION_MEMBER = re.compile(
    r"^(str|int|float|bool|none|literal\[.*|function-after\[.*|function-before\[.*)$"
)


# --- public API -----------------------------------------------------------------------------------


def _error_detail(error: PydanticValidationError) -> dict[str, Any]:
    """Pydantic errors as a nested dict keyed by the input path (first error per path wins)."""
    detail: dict[str, Any] = {}
    for err in error.errors(include_url=False):
        path = [
            str(part)
            for part in err["loc"]
            if not (isinstance(part, str) and (part in _TAG_NAMES or _UNION_MEMBER.match(part)))
        ]
        path.extend(err.get("ctx", {}).get(INPUT_PATH, ()))
        node = detail
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            leaf = path[-1] if path else "query"
            if leaf not in node:
                node[leaf] = [_message(err)]
    return detail


def _message(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def validate_query(data: Any) -> dict[str, Any]:
    """The query as a normalised dict, or a ValidationError whose detail nests under ``query``."""
    return validate_and_parse(data)[0]


def validate_and_parse(data: Any) -> tuple[dict[str, Any], BaseModel]:
    """The normalised dict and the typed node of its computed source, from one validation."""
    if not isinstance(data, dict):
        raise ValidationError({"query": ["Query must be a valid JSON object."]})
    check_storable(data, root="query")
    try:
        node = _Root.model_validate({"query": data}).query
    except PydanticValidationError as exc:
        raise ValidationError(_error_detail(exc)) from None
    normalised = node.model_dump(mode="json", exclude_unset=True, by_alias=True)
    source = getattr(node, "source", None) if normalised.get("kind") in WRAPPER_KINDS else None
    return normalised, source if isinstance(source, BaseModel) else node


def parse_query(data: dict[str, Any]) -> BaseModel:
    """The typed node of an already validated query dict."""
    return _Root.model_validate({"query": data}).query


def source_of(query: dict[str, Any]) -> dict[str, Any]:
    """The node that is computed: wrappers are unwrapped to their ``source``."""
    if query.get("kind") in WRAPPER_KINDS and isinstance(query.get("source"), dict):
        return query["source"]
    return query


def insight_type(query: dict[str, Any] | None) -> str | None:
    """PostHog's insight type of a query: TRENDS ... LIFECYCLE, SQL or JSON (None for no query)."""
    if not query:
        return None
    kind = query.get("kind")
    source_kind = (query.get("source") or {}).get("kind") if isinstance(query, dict) else None
    if kind == "InsightVizNode" and source_kind in INSIGHT_KINDS:
        return INSIGHT_KINDS[source_kind]
    if kind in WRAPPER_KINDS and source_kind == "HogQLQuery":
        return "SQL"
    return "JSON"


def query_events(query: dict[str, Any] | None) -> list[str]:
    """Event names a query reads (PostHog's ``query_metadata.events``), in first-seen order."""
    if not query:
        return []
    source = source_of(query)
    names: list[str] = []
    for series in source.get("series") or []:
        if isinstance(series, dict) and series.get("kind") == "EventsNode" and series.get("event"):
            names.append(series["event"])
    retention = source.get("retentionFilter") or {}
    for entity_key in ("targetEntity", "returningEntity"):
        entity = retention.get(entity_key) or {}
        if entity.get("type", "events") == "events" and isinstance(entity.get("id"), str):
            names.append(entity["id"])
    return list(dict.fromkeys(names))
