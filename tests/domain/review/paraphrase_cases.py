"""Independent paraphrase cases for the checklist coverage rules.

Each case is one passage and one checklist topic. A *covered* passage states the topic in
plain words that avoid the obvious textbook keyword (synonyms, a table, a clause stated in
passing, a multi-word term); the review must not report the topic as missing. A *lacking*
passage is a realistic excerpt of a production trading specification (named venue, orders,
production system) that talks about neighbouring things but never the topic itself; the
review must report the topic as missing. Where a topic is only expected once something
appears (trial counts once parameters are optimised, holiday handling once a fixed schedule
is given, cut-off times once closing prices from several markets are combined), the lacking
passage contains that trigger.

The passages were written without reading the engine's lexicons, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    topic: str
    name: str
    passage: str
    covered: bool
    doc_kind: str | None = None
    title: str | None = None
    heading: str | None = None


def _c(topic: str, name: str, passage: str, **kw: str) -> Case:
    return Case(topic=topic, name=name, passage=passage, covered=True, **kw)


def _l(topic: str, name: str, passage: str, **kw: str) -> Case:
    return Case(topic=topic, name=name, passage=passage, covered=False, **kw)


COVERED: list[Case] = [
    # SL-01 hypothesis / economic rationale
    _c(
        "SL-01",
        "slow-analysts",
        "Prices of small regional banks keep drifting after an earnings surprise because "
        "analysts are slow to revise their forecasts; the rules are built to profit from that "
        "sluggishness.",
    ),
    _c(
        "SL-01",
        "hedgers-pay",
        "Why should this work? Producers of crude oil pay a premium to offload inventory risk, "
        "and the book is paid for absorbing the risk they want to shed.",
    ),
    _c(
        "SL-01",
        "forced-selling",
        "The edge comes from forced selling by index funds around deletion dates, which pushes "
        "prices below fair value for a few days before they recover.",
    ),
    # SL-02 purpose / intended use / scope
    _c(
        "SL-02",
        "meant-for-desk",
        "This text is meant for the desk that runs the overnight futures book; it governs how "
        "the model is used in live trading and nothing else.",
    ),
    _c(
        "SL-02",
        "treasury-hedge",
        "The model exists to give the treasury team a daily hedge ratio for its euro "
        "exposure. It is not intended for speculative positions.",
    ),
    _c(
        "SL-02",
        "boundaries",
        "What this covers: Asian-session trading in ten-year JGB futures only. Other "
        "maturities and cash bonds fall outside what these rules govern.",
    ),
    # SL-03 universe / eligible instruments / filters
    _c(
        "SL-03",
        "russell-filter",
        "We only consider stocks in the Russell 1000 with a share price above USD 5; ADRs and "
        "REITs are dropped.",
    ),
    _c(
        "SL-03",
        "admission-table",
        "| Market | Instruments | Admission rule |\n"
        "|---|---|---|\n"
        "| Germany | DAX members | free float above 25% |\n"
        "| France | CAC 40 members | free float above 25% |\n"
        "| Italy | FTSE MIB members | free float above 25% |",
        doc_kind="table",
    ),
    _c(
        "SL-03",
        "tradable-futures",
        "Tradable names are the front-month contracts of the 12 commodity futures on CME and "
        "ICE with the largest open interest, chosen each January.",
    ),
    # SL-04 signal by a formula or precise rule
    _c(
        "SL-04",
        "relative-move",
        "Each stock's score is its 20-day price change minus its sector's 20-day price "
        "change, divided by the stock's 60-day standard deviation of daily returns.",
    ),
    _c(
        "SL-04",
        "symbolic",
        "s_t = (P_t - A_t) / v_t, where P_t is the closing price, A_t the 50-day simple "
        "average of closes and v_t the 20-day standard deviation of closes.",
    ),
    _c(
        "SL-04",
        "curve-cheapness",
        "A bond counts as cheap when its yield sits more than 15 basis points above the "
        "fitted Nelson-Siegel curve on the same day.",
    ),
    # SL-06 entry rule with a number
    _c(
        "SL-06",
        "spread-under",
        "We go long the spread as soon as its standardised value drops under -2.5 at the close.",
    ),
    _c(
        "SL-06",
        "forecast-hurdle",
        "A new position is opened only if the forecast return exceeds 30 basis points after costs.",
    ),
    _c(
        "SL-06",
        "average-cross",
        "Positions are initiated once the 10-day average rises above the 40-day average by "
        "more than 0.5%.",
    ),
    # SL-07 exit / stop-loss / take-profit / maximum holding
    _c(
        "SL-07",
        "drops-out",
        "A leg is unwound once its currency falls out of the top three, or after it has lost "
        "4% since it was opened.",
    ),
    _c(
        "SL-07",
        "ten-sessions",
        "Trades are flattened after ten sessions whatever their profit.",
    ),
    _c(
        "SL-07",
        "bank-gains",
        "We bank gains once a position is up 6% and cut it if it falls 3% below the purchase "
        "price.",
    ),
    _c(
        "SL-07",
        "reverts",
        "The spread trade is unwound when its standardised value comes back within 0.5 of zero.",
    ),
    # SL-08 sizing / weights / leverage
    _c(
        "SL-08",
        "one-over-vol",
        "Each name gets capital in proportion to one over its 60-day volatility, and the book "
        "runs at most two times gross of its equity.",
    ),
    _c(
        "SL-08",
        "sleeve-table",
        "| Sleeve | Share of capital |\n|---|---|\n| Equities | 50% |\n| Bonds | 30% |\n"
        "| Commodities | 20% |",
        doc_kind="table",
    ),
    _c(
        "SL-08",
        "risk-per-trade",
        "The contract count of every trade is chosen so that the trade risks 0.25% of account "
        "equity at its stop.",
    ),
    # SL-09 assumptions and limitations
    _c(
        "SL-09",
        "takes-for-granted",
        "The model takes for granted that the futures basis stays stable, and it will not work "
        "well when a central bank intervenes in the currency.",
    ),
    _c(
        "SL-09",
        "caveats",
        "Caveats: the approach breaks down in markets with fewer than 50 names, and it relies "
        "on market makers quoting continuously.",
    ),
    _c(
        "SL-09",
        "premise-borrow",
        "We rely on the premise that stock borrow stays available for every short; where it "
        "does not, the results reported here do not hold.",
    ),
    # DA-01 named vendor and frequency
    _c(
        "DA-01",
        "datastream",
        "End-of-day closing prices are taken from Refinitiv Datastream.",
    ),
    _c(
        "DA-01",
        "minute-bars",
        "We download one-minute bars from Polygon.io and quarterly fundamentals from "
        "Compustat, both once each night.",
    ),
    _c(
        "DA-01",
        "provider-table",
        "| Field | Provider | Frequency |\n|---|---|---|\n| Prices | ICE Data Services | daily |\n"
        "| Ratings | S&P Global | monthly |",
        doc_kind="table",
    ),
    # DA-02 point-in-time / reporting lags
    _c(
        "DA-02",
        "ninety-days",
        "Accounting figures enter the model only 90 days after the fiscal period ends, so "
        "each value is one that had actually been published at the time.",
    ),
    _c(
        "DA-02",
        "first-vintage",
        "We use the first-release vintages of GDP and payrolls, never later revised figures.",
    ),
    _c(
        "DA-02",
        "membership-as-of",
        "Index memberships are taken as they stood on each historical date, from archived "
        "constituent files rather than today's list.",
    ),
    # DA-03 survivorship bias handled
    _c(
        "DA-03",
        "bankrupt-kept",
        "Companies that went bankrupt or were taken over stay in the history up to their last "
        "trading day.",
    ),
    _c(
        "DA-03",
        "ever-members",
        "The historical universe holds every stock that was ever a member, including those "
        "later removed after failing.",
    ),
    _c(
        "DA-03",
        "dead-funds",
        "Funds that closed are kept in the sample so that the results are not limited to the "
        "winners that are still around.",
    ),
    # DA-04 look-ahead prevented
    _c(
        "DA-04",
        "tuesday-open",
        "A signal computed from Monday's close is traded at Tuesday's open at the earliest.",
    ),
    _c(
        "DA-04",
        "lagged-inputs",
        "Every input is shifted back one day before it enters the forecast, so the model only "
        "sees what was known before the order is placed.",
    ),
    _c(
        "DA-04",
        "following-bar",
        "Trades are filled at the following bar's price, never at the bar that produced the "
        "signal.",
    ),
    # DA-05 cleaning: corporate actions, outliers, missing data
    _c(
        "DA-05",
        "corporate-actions",
        "Prices are back-adjusted for corporate actions such as share splits and cash "
        "distributions.",
    ),
    _c(
        "DA-05",
        "bad-prints",
        "Daily moves of more than 50% are checked by hand and removed if they are bad prints; "
        "one-day gaps are filled with the prior close.",
    ),
    _c(
        "DA-05",
        "trimmed",
        "Return series are trimmed at the 1st and 99th percentiles, and stocks with more than "
        "10 absent days in a month are dropped.",
    ),
    # BT-01 backtest date range
    _c(
        "BT-01",
        "fold-table",
        "| Fold | Training | Testing |\n|---|---|---|\n| 1 | Jan 2005 - Dec 2012 | 2013 - 2015 |\n"
        "| 2 | Jan 2005 - Dec 2015 | 2016 - 2018 |\n| 3 | Jan 2005 - Dec 2018 | 2019 - 2021 |",
        doc_kind="table",
    ),
    _c(
        "BT-01",
        "spans",
        "The historical simulation spans January 1998 through June 2024.",
    ),
    _c(
        "BT-01",
        "twenty-years",
        "We replayed the rules on twenty years of history, from January 2004 to December 2023.",
    ),
    # BT-02 in-sample / out-of-sample
    _c(
        "BT-02",
        "never-looked",
        "Parameters were chosen on 1995-2010 data; the years 2011-2024 were not looked at "
        "until the rules were frozen.",
    ),
    _c(
        "BT-02",
        "kept-aside",
        "The last five years are kept aside as a holdout and evaluated only once.",
    ),
    _c(
        "BT-02",
        "seventy-thirty",
        "We calibrate on the first 70% of the sample and report results on the untouched "
        "remaining 30%.",
    ),
    # BT-03 walk-forward / rolling / purging / embargo
    _c(
        "BT-03",
        "re-estimated",
        "The model is re-estimated every quarter on the prior three years of data and then "
        "applied to the next quarter.",
    ),
    _c(
        "BT-03",
        "drop-either-side",
        "Cross-validation folds drop the ten days either side of each test block so that "
        "overlapping labels cannot leak.",
    ),
    _c(
        "BT-03",
        "expanding",
        "An expanding training window is moved forward one year at a time.",
    ),
    # BT-04 number of configurations tried (optimisation present)
    _c(
        "BT-04",
        "twelve-variants",
        "We searched over lookbacks of 20, 40, 60 and 120 days and thresholds of 1, 1.5 and "
        "2, so 12 variants were evaluated in total, and kept the best one.",
    ),
    _c(
        "BT-04",
        "grid-340",
        "The grid search evaluated 340 parameter combinations before the final setting was chosen.",
    ),
    # BT-05 multiple-testing control
    _c(
        "BT-05",
        "holm",
        "Because many variants were tried, the p-values are adjusted with the Holm step-down "
        "method.",
    ),
    _c(
        "BT-05",
        "cscv",
        "We estimate the chance that the chosen configuration is overfit using "
        "combinatorially symmetric cross-validation.",
    ),
    _c(
        "BT-05",
        "haircut",
        "The Sharpe ratio of the selected rule is haircut for the number of trials, following "
        "Harvey and Liu.",
    ),
    # BT-06 performance statistics
    _c(
        "BT-06",
        "metric-table",
        "| Metric | Value |\n|---|---|\n| Annual return | 7.2% |\n"
        "| Return per unit of volatility | 0.85 |\n| Worst peak-to-trough loss | -14% |\n"
        "| Annual turnover | 320% |",
        doc_kind="table",
    ),
    _c(
        "BT-06",
        "deepest-loss",
        "The simulation earned 6% a year with 9% volatility, and its deepest fall from a high "
        "was 12%.",
    ),
    _c(
        "BT-06",
        "ir-sortino",
        "The information ratio against the benchmark is 0.6 and the Sortino ratio 1.1.",
    ),
    # BT-07 parameter sensitivity
    _c(
        "BT-07",
        "shift-lookback",
        "Shifting the lookback from 40 to 80 days changes the annual return by less than one "
        "percentage point.",
    ),
    _c(
        "BT-07",
        "moved-25",
        "We reran the simulation with each threshold moved 25% up and down; the ranking of "
        "the results did not change.",
    ),
    _c(
        "BT-07",
        "heat-map",
        "A heat map shows performance across neighbouring values of the two window lengths.",
    ),
    # BT-08 stress periods / regimes
    _c(
        "BT-08",
        "named-episodes",
        "We examine how the book behaved during the 2008 financial crisis, the 2013 taper "
        "tantrum and the March 2020 sell-off.",
    ),
    _c(
        "BT-08",
        "vix-terciles",
        "Performance is split by volatility regime: calm, normal and turbulent markets, "
        "defined by VIX terciles.",
    ),
    _c(
        "BT-08",
        "replayed",
        "The worst historical episodes, such as the 1987 crash and the 2022 gilt crisis, are "
        "replayed on the current portfolio.",
    ),
    # EX-01 transaction costs
    _c(
        "EX-01",
        "brokerage",
        "Each trade is charged 2 basis points of brokerage and exchange charges, plus half "
        "the quoted bid-ask spread.",
    ),
    _c(
        "EX-01",
        "lending-rate",
        "Shorts pay the securities lending rate, 35 bps a year on average.",
    ),
    _c(
        "EX-01",
        "round-trip",
        "Net returns deduct a round-trip charge of USD 2.50 per futures contract.",
    ),
    # EX-02 slippage / market impact
    _c(
        "EX-02",
        "worse-than-decision",
        "Fills are assumed 3 bps worse than the decision price, growing with the square root "
        "of order size relative to daily volume.",
    ),
    _c(
        "EX-02",
        "price-moves-against",
        "The price moves against us in proportion to the fraction of the day's volume we "
        "trade, with a coefficient of 0.1.",
    ),
    _c(
        "EX-02",
        "one-tick",
        "We assume an execution shortfall of one tick per contract traded.",
    ),
    # EX-03 capacity
    _c(
        "EX-03",
        "absorb",
        "The book can absorb roughly USD 300 million before trades exceed a tenth of a "
        "typical day's volume.",
    ),
    _c(
        "EX-03",
        "five-percent-volume",
        "No order may be larger than 5% of the instrument's average traded volume over 20 "
        "days, which limits assets to about EUR 150 million.",
    ),
    _c(
        "EX-03",
        "close-to-new-money",
        "Above USD 1 billion the expected return halves, so the fund will close to new money "
        "at that size.",
    ),
    # EX-04 execution method
    _c(
        "EX-04",
        "volume-weighted",
        "Rebalancing trades are worked through the day on a volume-weighted schedule on the "
        "primary exchange.",
    ),
    _c(
        "EX-04",
        "rest-at-mid",
        "Orders are sent as limit orders at the mid and rest for up to five minutes before "
        "being repriced.",
    ),
    _c(
        "EX-04",
        "closing-auction",
        "We trade in the Xetra closing auction through the broker's market-on-close facility.",
    ),
    # RK-01 risk limits with numbers
    _c(
        "RK-01",
        "issuer-net",
        "No single issuer may exceed 4% of the portfolio, and net exposure stays between -10% "
        "and +10%.",
    ),
    _c(
        "RK-01",
        "monthly-loss",
        "If the month's loss reaches 5% of capital, the book halves all its positions.",
    ),
    _c(
        "RK-01",
        "limit-table",
        "| Limit | Level |\n|---|---|\n| Gross exposure | 200% of NAV |\n"
        "| Daily loss | 1.5% of NAV |\n| Single name | 3% of NAV |",
        doc_kind="table",
    ),
    # RK-02 pre-trade controls
    _c(
        "RK-02",
        "gateway-rejects",
        "Before an order is released, the gateway rejects any price more than 2% away from "
        "the last trade and any order above 10,000 shares.",
    ),
    _c(
        "RK-02",
        "messages-per-second",
        "Order messages are held to at most 50 a second per instrument.",
    ),
    _c(
        "RK-02",
        "notional-blocked",
        "An order whose notional exceeds USD 5 million is blocked until a trader confirms it.",
    ),
    # RK-03 kill switch
    _c(
        "RK-03",
        "single-button",
        "The head trader can stop all trading with a single button that pulls every resting "
        "order and blocks new ones.",
    ),
    _c(
        "RK-03",
        "auto-halt",
        "If the daily loss reaches 3%, the system halts the algorithm on its own and cancels "
        "its open orders.",
    ),
    # RK-04 monitoring / alerts / reconciliation
    _c(
        "RK-04",
        "paged",
        "Positions and P&L are watched continuously on a dashboard, and the desk is paged "
        "when exposure moves outside its band.",
    ),
    _c(
        "RK-04",
        "matched-statement",
        "At the end of each day the positions in the trading system are matched against the "
        "prime broker's statement.",
    ),
    _c(
        "RK-04",
        "fill-rate-message",
        "A supervisor gets an automated message whenever the fill rate drops below 80%.",
    ),
    # RK-05 failure modes
    _c(
        "RK-05",
        "feed-stops",
        "If the price feed stops updating for more than 30 seconds, the algorithm sends no "
        "orders until quotes resume.",
    ),
    _c(
        "RK-05",
        "secondary-gateway",
        "A lost connection to the exchange switches order flow to the secondary gateway in "
        "the backup data centre.",
    ),
    _c(
        "RK-05",
        "job-fails",
        "Should the overnight signal job fail, the portfolio keeps the previous day's target "
        "weights.",
    ),
    # RK-06 market-abuse surveillance
    _c(
        "RK-06",
        "layering",
        "Compliance reviews the order flow daily for layering, marking the close and "
        "self-matched trades.",
    ),
    _c(
        "RK-06",
        "manipulation-flagged",
        "Order patterns that may amount to market manipulation are flagged by the monitoring "
        "tool and escalated to compliance.",
    ),
    # GV-01 owner / approver
    _c(
        "GV-01",
        "responsible-person",
        "Responsible person: Jane Doe, Head of Quantitative Strategies. Approved by the "
        "Investment Committee on 3 March 2024.",
    ),
    _c(
        "GV-01",
        "cro-signs",
        "The chief risk officer signs off each release of the model.",
    ),
    # GV-02 version / change log / material-change process
    _c(
        "GV-02",
        "release-table",
        "| Release | Date | What changed |\n|---|---|---|\n| 1.0 | 2023-01-10 | First issue |\n"
        "| 1.1 | 2023-09-02 | Lookback shortened to 40 days |",
        doc_kind="table",
    ),
    _c(
        "GV-02",
        "re-approval",
        "Any change to a parameter or to the universe needs fresh approval before it is "
        "deployed, and is recorded in the revision history.",
    ),
    # GV-03 testing before go-live
    _c(
        "GV-03",
        "simulated-exchange",
        "Before it traded real money, the algorithm ran for two months against a simulated "
        "exchange fed with live market data.",
    ),
    _c(
        "GV-03",
        "uat-pilot",
        "The release went through user acceptance testing in the staging environment and a "
        "six-week pilot with reduced capital.",
    ),
    # GV-04 ongoing review of live vs backtest
    _c(
        "GV-04",
        "quarterly-gap",
        "Each quarter, realised returns are compared with what the simulation predicted, and "
        "any gap above 2% a year is investigated.",
    ),
    _c(
        "GV-04",
        "hit-rate-review",
        "Every month the desk checks whether realised slippage and hit rate in production "
        "still match the research assumptions.",
    ),
    # GV-05 independent validation
    _c(
        "GV-05",
        "separate-team",
        "The model is reviewed by the model risk team, which is separate from the developers, "
        "before launch and every year after.",
    ),
    _c(
        "GV-05",
        "reimplemented",
        "An external auditor re-implemented the signal from this text and confirmed the "
        "backtest figures.",
    ),
    # MC-01 business day defined by a calendar / time zone
    _c(
        "MC-01",
        "lse-sessions",
        "Every count of days in this text refers to sessions on which the London Stock "
        "Exchange is open.",
    ),
    _c(
        "MC-01",
        "target2",
        "A day means a TARGET2 settlement day, with times in Central European Time.",
    ),
    _c(
        "MC-01",
        "eurex-open",
        "Lookbacks are counted in days on which Eurex is open for trading.",
    ),
    # MC-02 holiday handling
    _c(
        "MC-02",
        "next-open-day",
        "The portfolio is rebalanced on the 15th of each month; if that day the exchange is "
        "closed, the trades move to the next day it is open.",
    ),
    _c(
        "MC-02",
        "golden-week",
        "Orders go out on the first Monday of each quarter; when Tokyo is shut, for example "
        "in Golden Week, the Japanese sleeve trades on the first session after it reopens.",
    ),
    # MC-03 cut-off / fixing times
    _c(
        "MC-03",
        "four-pm-london",
        "Asian, European and US closing prices are aligned by taking every market's price as "
        "of 16:00 London time.",
    ),
    _c(
        "MC-03",
        "wm-fix",
        "Non-dollar closing prices of the Tokyo and Frankfurt listings are converted with the "
        "WM/Reuters rate published at 4pm London.",
    ),
    _c(
        "MC-03",
        "after-1430",
        "Subscriptions received after 14:30 CET are dealt on the following day.",
    ),
]


LACKING: list[Case] = [
    _l(
        "SL-01",
        "momentum-no-why",
        "The strategy buys the ten stocks with the highest 12-month return in the STOXX "
        "Europe 600 and trades live on Xetra. Orders are generated by the production "
        "scheduler at 08:30 CET each Monday. The ranking uses the 252-day return skipping the "
        "latest 21 days. Positions are equal-weighted and held for one month.",
    ),
    _l(
        "SL-02",
        "reversal-no-purpose",
        "Investors overreact to earnings news and prices partly reverse in the following "
        "week. The model ranks Nasdaq-listed stocks by their three-day return after an "
        "announcement and sells the top decile. Orders are sent to Nasdaq by the production "
        "order manager as market-on-open orders. Each position is 1% of NAV.",
        heading="Rules",
    ),
    _l(
        "SL-03",
        "no-universe",
        "The signal is the 20-day return divided by the 60-day volatility of daily returns. "
        "The production system buys when the signal exceeds 1.5 and sells when it drops "
        "below 0. Orders are routed to Cboe Europe as limit orders through the firm's "
        "gateway. Weights are inverse to volatility.",
    ),
    _l(
        "SL-04",
        "prose-signal",
        "The desk trades a momentum signal in Brent and WTI futures on ICE Futures Europe. "
        "When the signal is strong the production system buys, and when it weakens positions "
        "are reduced. Orders are sent as limit orders at the touch. Each trade is five "
        "contracts per USD 10 million of capital.",
    ),
    _l(
        "SL-06",
        "stretched-judged",
        "The signal is the spread between two-year and ten-year Treasury futures, "
        "standardised by its 60-day volatility. The production engine enters a steepener "
        "when the spread looks stretched, as judged by the trader on duty. Orders are placed "
        "on CME Globex through the firm's execution gateway. Each position is sized to 2 "
        "bps of NAV per basis point.",
    ),
    _l(
        "SL-07",
        "held-and-reviewed",
        "Entry: the production system buys when the 14-day RSI closes below 25. Orders are "
        "sent to NYSE as market-on-open orders by the order router. Each new position uses "
        "2% of equity. Positions are then held in the book and looked at by the portfolio "
        "manager.",
    ),
    _l(
        "SL-08",
        "carry-no-size",
        "The book is long the five currencies with the highest carry against the US dollar "
        "and short the five with the lowest. It trades live through the production FX engine "
        "on EBS and Refinitiv Matching. Orders are limit orders at mid during the London "
        "session. The baskets are rebuilt on the first Monday of each month.",
    ),
    _l(
        "SL-09",
        "reversal-no-caveats",
        "The signal is the 5-day reversal among S&P 500 constituents. Stocks in the bottom "
        "decile are bought at the next open on NYSE through the production order system. "
        "Positions are equal-weighted with 1.2x gross leverage and closed after five "
        "sessions. Orders are limit orders pegged to the mid.",
    ),
    _l(
        "DA-01",
        "loaded-each-morning",
        "Prices are loaded each morning by the production data job into the research "
        "database. The signal uses the prior close and volume of each Eurex future. Orders "
        "are then sent to Eurex by the execution engine at 09:05 CET. Gaps of one day are "
        "filled with the prior value.",
    ),
    _l(
        "DA-02",
        "fundamentals-no-lag",
        "Book-to-price and earnings yield from quarterly company filings are combined into a "
        "value score. The production rebalancer trades the top quintile on NYSE and Nasdaq "
        "each month with VWAP orders. Prices come from Bloomberg end-of-day files. Stocks "
        "are dropped when their market value falls below USD 1 billion.",
    ),
    _l(
        "DA-03",
        "todays-members",
        "The backtest universe is the current list of S&P 500 members, with daily prices "
        "from Bloomberg back to 2000. The live strategy trades the same names on NYSE through "
        "the production execution platform, using limit orders. Prices are adjusted for "
        "splits and dividends.",
    ),
    _l(
        "DA-04",
        "same-close",
        "The signal is computed from each day's closing price and volume. Orders are sent "
        "to the London Stock Exchange closing auction by the production system the same "
        "day. Backtest fills use that day's official close. Data come from LSEG end-of-day "
        "files.",
    ),
    _l(
        "DA-05",
        "no-cleaning",
        "Prices are Bloomberg daily closes for the 300 most liquid stocks in the STOXX "
        "Europe 600. The production signal job runs at 07:00 CET and sends orders to "
        "Euronext through the firm's smart order router. Weights are capped at 3% per name "
        "and rebalanced weekly.",
    ),
    _l(
        "BT-01",
        "halves-no-dates",
        "The simulation uses Bloomberg daily data and reports a Sharpe ratio of 1.1 after "
        "costs. Parameters were chosen on the first half of the sample and checked on the "
        "second. The strategy now trades live on CME Globex through the production order "
        "manager. Orders are limit orders at the bid or offer.",
    ),
    _l(
        "BT-02",
        "whole-period-fit",
        "The simulation covers 2004 to 2024 on daily data from Refinitiv. The lookback and "
        "the threshold were chosen to give the highest Sharpe ratio over that whole period. "
        "The strategy trades live on ICE Futures US through the production execution engine, "
        "with stop orders for exits.",
    ),
    _l(
        "BT-03",
        "fit-once",
        "Parameters were fitted once on 2005-2014 and tested on 2015-2023, with a Sharpe "
        "ratio of 0.8 in the test years. They have not been refitted since. The strategy "
        "trades live on Eurex through the production order system using limit orders.",
    ),
    _l(
        "BT-04",
        "grid-no-count",
        "We optimised the lookback window and the entry threshold over a grid to find the "
        "best Sharpe ratio on 2010-2018, then confirmed the chosen pair on 2019-2023. The "
        "strategy trades live on Nasdaq through the production order router. Orders are "
        "midpoint peg orders.",
    ),
    _l(
        "BT-04",
        "genetic-no-count",
        "The signal weights were tuned with a genetic algorithm to maximise the in-sample "
        "Sharpe ratio from 2008 to 2017. Results from 2018 to 2024 are out of sample. The "
        "production system trades the portfolio live on Euronext with limit orders at the "
        "touch.",
    ),
    _l(
        "BT-05",
        "best-of-many",
        "A large number of signal variants were tested on 2000-2020 data and the one with "
        "the highest Sharpe ratio, 1.4, was selected for live trading on CME Globex. The "
        "production system sends its orders as iceberg limit orders. The out-of-sample "
        "Sharpe ratio for 2021-2024 is 0.7.",
    ),
    _l(
        "BT-06",
        "chart-only",
        "The backtest covers 2006-2024 and the out-of-sample period starts in 2019. Results "
        "are shown as a cumulative return chart against the benchmark. The strategy trades "
        "live on the Tokyo Stock Exchange through the production execution system using VWAP "
        "orders.",
    ),
    _l(
        "BT-07",
        "only-chosen",
        "The 60-day lookback and the threshold of 1.5 were selected on 2008-2016 and tested "
        "on 2017-2024, giving a Sharpe ratio of 0.9. Only results for the chosen values are "
        "reported. The strategy trades live on Eurex through the production system using "
        "limit orders.",
    ),
    _l(
        "BT-08",
        "calm-years",
        "The backtest covers 2012-2019, with a Sharpe ratio of 1.3 and a maximum drawdown of "
        "8%. The strategy trades live on CME Globex through the production order router. "
        "Orders are limit orders, repriced every minute.",
    ),
    _l(
        "EX-01",
        "mid-prices",
        "Backtest returns are computed from mid prices at the close. The strategy trades "
        "live on Cboe Futures Exchange through the production order gateway, with orders "
        "worked by TWAP over 30 minutes. Turnover averages 40% a month.",
    ),
    _l(
        "EX-02",
        "fills-at-close",
        "Commissions of 0.3 bps and exchange fees are deducted from every trade in the "
        "backtest. Fills are taken at the closing price. The production system sends "
        "market-on-close orders to NYSE for the whole rebalance.",
    ),
    _l(
        "EX-03",
        "grow-the-fund",
        "Commissions are 1 bp per side and slippage is modelled at 3 bps. The strategy runs "
        "USD 50 million live on Nasdaq today, and the fund intends to grow it. The production "
        "router splits orders with a VWAP algorithm.",
    ),
    _l(
        "EX-04",
        "targets-only",
        "Target weights for Euronext Paris-listed shares are computed each night by the "
        "production portfolio engine and turned into orders for live trading. Costs are "
        "charged at 5 bps per trade and slippage at 3 bps. No name may exceed 2% of NAV.",
    ),
    _l(
        "RK-01",
        "prudent",
        "Positions are watched in real time and the risk team is alerted when exposure looks "
        "unusual. The strategy trades live on Eurex through the production system, using "
        "limit orders. Leverage is kept prudent and positions are kept diversified.",
    ),
    _l(
        "RK-02",
        "kill-but-no-pretrade",
        "A kill switch lets the head trader cancel every order on CME Globex. Daily loss is "
        "limited to 2% of NAV, and positions are reconciled with the clearing broker each "
        "evening. The production system sends orders straight to the exchange.",
    ),
    _l(
        "RK-03",
        "collars-no-kill",
        "Orders above USD 2 million are rejected by the pre-trade checks, and prices outside "
        "a 3% collar are blocked. Real-time P&L is shown on the desk dashboard. The strategy "
        "trades live on Nasdaq through the production order router.",
    ),
    _l(
        "RK-04",
        "limits-no-monitoring",
        "The strategy trades live on the London Stock Exchange through the production "
        "execution engine. Gross exposure is capped at 150% of NAV and orders above 50,000 "
        "shares are rejected before release. A kill switch cancels all open orders.",
    ),
    _l(
        "RK-05",
        "no-failure-modes",
        "The production system trades live on ICE Futures Europe and sends limit orders "
        "every 15 minutes. No contract may use more than 10% of margin. Alerts go to the "
        "on-call trader when P&L moves more than 1% within an hour.",
    ),
    _l(
        "RK-06",
        "fast-cancels",
        "The algorithm places and cancels limit orders on Xetra many times a second as it "
        "follows the best bid. Orders above EUR 1 million are blocked by pre-trade checks "
        "and the kill switch is tested monthly. The production system logs every order "
        "message.",
    ),
    _l(
        "GV-01",
        "version-no-owner",
        "This is version 2.3 of the specification; changes are recorded in the change log. "
        "The strategy trades live on CME Globex through the production execution platform "
        "using limit orders. Performance is reviewed every month against the backtest.",
    ),
    _l(
        "GV-02",
        "owner-no-version",
        "Owner: head of rates trading, approved by the risk committee. The strategy trades "
        "live on Eurex with limit orders sent by the production system. Before going live it "
        "was paper traded for two months.",
    ),
    _l(
        "GV-03",
        "goes-live-next-month",
        "The strategy goes live on Nasdaq next month, and orders will be sent by the "
        "production order router. It is owned by the equity quant desk and approved by the "
        "chief risk officer. Live performance will be compared with the backtest every "
        "quarter.",
    ),
    _l(
        "GV-04",
        "tested-then-forgotten",
        "Before go-live the algorithm was tested for six weeks in the exchange's test "
        "environment. It now trades live on Euronext through the production system with "
        "limit orders. Owner: head of execution.",
    ),
    _l(
        "GV-05",
        "self-checked",
        "The quant who built the model checked the backtest herself before launch. The "
        "strategy trades live on ICE Futures Europe through the production order gateway, "
        "using limit orders. Owner: head of commodities; version 1.4.",
    ),
    _l(
        "MC-01",
        "fifth-business-day",
        "The portfolio is rebalanced on the fifth business day of each month. Orders are "
        "sent to Euronext and the London Stock Exchange by the production system at 09:00. "
        "Signals use a 20-day lookback of daily closes.",
    ),
    _l(
        "MC-02",
        "third-friday",
        "Rebalancing happens on the third Friday of March, June, September and December. "
        "Business days follow the NYSE calendar in New York time. The production system "
        "sends market-on-close orders to NYSE on that day.",
    ),
    _l(
        "MC-02",
        "quarter-end",
        "The index is rebalanced on the last day of each calendar quarter. New weights are "
        "sent to the production trading system, which trades the constituents live on "
        "Deutsche Boerse Xetra with closing-auction orders. Weights are capped at 10%.",
    ),
    _l(
        "MC-03",
        "three-closes",
        "The global equity signal combines closing prices from Tokyo, London and New York "
        "each day. The production system trades live on TSE, LSE and NYSE with "
        "market-on-open orders the next day. Business days follow each exchange's own "
        "calendar.",
    ),
    _l(
        "MC-03",
        "fx-closing-rate",
        "Returns of the Japanese, Australian and European futures are converted to US "
        "dollars with each day's closing exchange rate. The production system trades the "
        "contracts live on OSE, ASX and Eurex through the firm's gateway using limit orders.",
    ),
]


CASES: list[Case] = COVERED + LACKING
