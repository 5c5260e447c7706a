"""What the interpreter writes into flags the Intel SDM leaves undefined.

One table, so the policy is visible and changeable in one place. The values follow this
machine's CPU (an AMD EPYC) as the native oracle measured it, single instructions with
random operands and random incoming flags; `python -m cpuemu.diff.native` reports how
often they agree on random programs (docs/undefined-flags.md).
Comparisons with Unicorn mask every flag iced-x86 calls undefined, so this table only
matters for agreement with real hardware.

Values: 0 or 1 (a constant), "keep" (the flag keeps its previous value), "result"
(derived from the result like a defined flag would be), or a rule named in the family's
own module.
"""

POLICY: dict[str, dict[str, object]] = {
    # and, or, xor, test
    "logic": {"af": 0},
    # shl/sal, shr, sar: OF for counts above 1 (the rule of the last 1-bit step:
    # shl msb(result)^CF, shr msb of the value before the last step, sar 0); AF always
    "shift": {"of": "last-step", "af": 1},
    # rol, ror, rcl, rcr: OF for counts above 1, from the result as for a 1-bit rotate
    "rotate": {"of": "last-step"},
    # shld, shrd: OF for counts above 1 (last 1-bit step), AF for any count
    "double-shift": {"of": "last-step", "af": 1},
    # mul, imul (every form): SF ZF PF AF
    "mul": {"sf": "keep", "zf": "keep", "pf": "keep", "af": "keep"},
    # div, idiv: every status flag
    "div": {"cf": "keep", "of": "keep", "sf": 0, "zf": 0, "af": 1, "pf": 0},
    # bsf, bsr: CF OF SF AF PF
    "bitscan": {"cf": "keep", "of": "keep", "sf": "keep", "af": "keep", "pf": "keep"},
    # bt, bts, btr, btc: OF SF AF PF
    "bittest": {"of": "keep", "sf": "keep", "af": "keep", "pf": "keep"},
}
