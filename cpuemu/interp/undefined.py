"""What the interpreter writes into flags the Intel SDM leaves undefined.

One table, so the policy is visible and changeable in one place. The values follow this
machine's CPU (an AMD EPYC) as the native oracle measured it: see
`python -m cpuemu.diff.native --undefined-report` and the figures in docs/undefined-flags.md.
Comparisons with Unicorn mask every flag iced-x86 calls undefined, so this table only
matters for agreement with real hardware.

Values: 0 or 1 (a constant), "keep" (the flag keeps its previous value), "result"
(derived from the result like a defined flag would be), or a rule named in the family's
own module.
"""

POLICY: dict[str, dict[str, object]] = {
    # and, or, xor, test
    "logic": {"af": 0},
    # shl/sal, shr, sar with a count above 1: OF; any non-zero count: AF
    "shift": {"of": "first-step", "af": 0},
    # rol, ror, rcl, rcr with a count above 1: OF
    "rotate": {"of": "result"},
    # shld, shrd: OF for counts above 1, AF for any count
    "double-shift": {"of": "result", "af": 0},
    # mul, imul (every form): SF ZF PF AF
    "mul": {"sf": "result", "zf": 0, "pf": "result", "af": 0},
    # div, idiv: every status flag
    "div": {"cf": "keep", "pf": "keep", "af": "keep", "zf": "keep", "sf": "keep",
            "of": "keep"},
    # bsf, bsr: CF OF SF AF PF
    "bitscan": {"cf": 0, "of": 0, "sf": 0, "af": 0, "pf": "result"},
    # bt, bts, btr, btc: OF SF AF PF
    "bittest": {"of": "keep", "sf": "keep", "af": "keep", "pf": "keep"},
}
