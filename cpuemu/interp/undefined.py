"""What the interpreter writes into flags the Intel SDM leaves undefined, per CPU model.

One table per vendor, so each policy is visible and changeable in one place. The AMD
values were measured on an AMD EPYC with the native oracle, single instructions with
random operands and random incoming flags; the Intel values on the 1,500 snippets run on
an Intel Xeon (`python -m cpuemu.diff.snippets --cpu intel`). `python -m
cpuemu.diff.native` reports how often a model agrees with this machine on random
programs (docs/undefined-flags.md).
Comparisons with Unicorn mask every flag iced-x86 calls undefined, so this table only
matters for agreement with real hardware.

Values: 0 or 1 (a constant), "keep" (the flag keeps its previous value), "result"
(derived from the result like a defined flag would be), or a rule named in the family's
own module.
"""

AMD: dict[str, dict[str, object]] = {
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
    # aaa aas (OF SF ZF PF), aam (OF AF CF), aad (OF AF CF), daa das (OF): not measured
    # on an AMD CPU yet; the Intel values stand in
    "ascii-adjust": {"of": 0, "sf": "result", "zf": "result", "pf": "result"},
    "ascii-multiply": {"of": 0, "af": 0, "cf": 0},
    "ascii-divide": {"of": "add", "af": "add", "cf": "add"},
    "decimal-adjust": {"of": 0},
}

INTEL: dict[str, dict[str, object]] = {
    "logic": {"af": 0},
    "shift": {"of": "first-step", "af": 0},
    "rotate": {"of": "first-step", "of-immediate": "keep"},
    "double-shift": {"of": "first-step", "af": 0, "above-16": "repeat"},
    "mul": {"sf": "result", "zf": 0, "pf": "result", "af": 0},
    "div": {"cf": "keep", "of": "keep", "sf": "keep", "zf": "keep", "af": "keep", "pf": "keep"},
    "bitscan": {"cf": 0, "of": 0, "sf": 0, "af": 0, "pf": "result"},
    "bittest": {"of": "keep", "sf": "keep", "af": "keep", "pf": "keep"},
    # measured natively (family 6 model 167), 80-160 random cases each
    "ascii-adjust": {"of": 0, "sf": "result", "zf": "result", "pf": "result"},
    "ascii-multiply": {"of": 0, "af": 0, "cf": 0},
    "ascii-divide": {"of": "add", "af": "add", "cf": "add"},    # of AL + AH * imm8
    "decimal-adjust": {"of": 0},
}

MODELS = {"amd": AMD, "intel": INTEL}


def host_model() -> str:
    """The vendor of the CPU this runs on, when it is Intel or AMD; else amd."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return "intel" if "GenuineIntel" in line else "amd"
    except OSError:
        pass
    return "amd"
