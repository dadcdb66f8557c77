"""Reproducible people: valid resident ID numbers (GB 11643), names and phones — all fictitious."""

import random
from datetime import date, timedelta

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强文博子涵雨轩浩然欣怡梓萱宇航淑珍桂芝凤兰玉珍德山长春宝林"
CHECK = "10X98765432"


def id_check_digit(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return CHECK[total % 11]


def resident_id(rng: random.Random, birth: date, female: bool) -> str:
    # 211204 (清河区) exists since 1984; older residents carry 212121 (铁岭县 until 1984)
    region = "211204" if birth.year >= 1984 else "212121"
    seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


def name(rng: random.Random, surname: str | None = None) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return (surname or rng.choice(SURNAMES)) + given


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def birth_date(rng: random.Random, age: int, today: date) -> date:
    return today - timedelta(days=age * 365 + rng.randrange(0, 365))
