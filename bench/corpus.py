"""A synthetic chat corpus in Spanish and English, for bench/search.py.

Messages are drawn the way team chat reads: short sentences of common words (Zipf-distributed,
so a few words appear in a large share of messages and most are rare), inflected verbs and
plurals (so stemming matters), the two languages mixed in one team (60 % Spanish), and now and
then a ticket key, a URL, a file name, an IP address or a code name. Seeded: the same seed
gives the same corpus.
"""

from __future__ import annotations

import random
from itertools import accumulate


def _words(text: str) -> list[str]:
    return text.split()


ES_VERBS = _words(
    """revisar desplegar probar arreglar migrar actualizar preparar enviar mandar cerrar abrir
terminar empezar subir bajar borrar crear cambiar mover llamar hablar comentar aprobar
validar publicar programar documentar configurar instalar reiniciar medir optimizar
limpiar añadir quitar buscar encontrar compartir pagar facturar contratar planificar
organizar reservar confirmar cancelar retrasar adelantar priorizar estimar"""
)
ES_ENDINGS = _words("""o as a amos an é aste ó ado ando ar aremos e""")
ES_NOUNS = _words(
    """proyecto servidor cliente reunión informe factura pedido despliegue versión error fallo
prueba base dato tabla consulta usuario equipo canal mensaje archivo documento
presupuesto contrato propuesta diseño pantalla botón página enlace correo llamada tarea
ticket sprint entrega fecha plazo objetivo resultado métrica gráfico panel alerta
incidencia copia respaldo disco memoria red cable oficina sala viaje hotel vuelo comida
café semana mes año día hora minuto lunes martes miércoles jueves viernes mañana tarde
noche canción película libro idea problema solución pregunta respuesta cambio mejora
revisión nota campaña producto precio venta compra almacén stock envío paquete ruta mapa
zona región empresa departamento director jefe compañero proveedor socio inversión
beneficio gasto nómina vacaciones permiso contraseña cuenta acceso permiso registro
sesión token clave rama commit fusión conflicto código función clase módulo librería
dependencia paquete imagen foto vídeo audio sonido color fuente estilo plantilla
formulario campo filtro"""
)
ES_ADJ = _words(
    """nuevo nueva viejo rápido lento grande pequeño importante urgente pendiente listo lista
roto caído estable inestable próximo último primero segundo final interno externo
público privado claro difícil fácil bueno malo mejor peor largo corto"""
)
ES_GLUE = _words(
    """el la los las un una de del en y a que con por para sin sobre entre como pero si no ya
muy más también todavía hoy ayer mañana ahora luego antes después aquí esto eso este
esta ese esa hay es son está están fue será tengo tienes tiene tenemos vamos voy puedo
puedes podemos hace hacer creo parece falta queda"""
)

EN_VERBS = _words(
    """review deploy test fix migrate update prepare send close open finish start upload
download delete create change move call talk comment approve validate publish schedule
document configure install restart measure optimize clean add remove search find share
pay invoice hire plan organize book confirm cancel delay prioritize estimate run build
merge ship release rollback monitor debug refactor"""
)
EN_ENDINGS = ["", "s", "ed", "ing"]
EN_NOUNS = _words(
    """project server client meeting report invoice order deployment version bug error test
database table query user team channel message file document budget contract proposal
design screen button page link email call task ticket sprint delivery date deadline goal
result metric chart dashboard alert incident backup disk memory network office room trip
hotel flight lunch coffee week month year day hour minute monday tuesday wednesday
thursday friday morning afternoon night song movie book idea problem solution question
answer change improvement review note campaign product price sale purchase warehouse
stock shipment package route map region company department manager colleague vendor
partner investment profit expense payroll vacation password account access login session
token key branch commit merge conflict code function class module library dependency
image photo video audio color font style template form field filter cluster node
pipeline build release staging production kubernetes docker terraform"""
)
EN_ADJ = _words(
    """new old fast slow big small important urgent pending ready broken down stable flaky next
last first second final internal external public private clear hard easy good bad better
worse long short"""
)
EN_GLUE = _words(
    """the a an of in and to that with for without on about between as but if not already very
more also still today yesterday tomorrow now later before after here this that these
those there is are was will be have has we you they it can could should would let me
think seems"""
)


def _weights(n: int, s: float = 1.07) -> list[float]:
    return list(accumulate(1 / (rank + 1) ** s for rank in range(n)))


class Corpus:
    """Draws messages; `vocabulary` lists words from the most to the least common."""

    def __init__(self, seed: int = 7, users: int = 1000) -> None:
        self.random = random.Random(seed)
        rnd = random.Random(seed + 1)
        self.users = users
        self.es_words = self._forms(ES_VERBS, ES_ENDINGS, ES_NOUNS, ES_ADJ, rnd, spanish=True)
        self.en_words = self._forms(EN_VERBS, EN_ENDINGS, EN_NOUNS, EN_ADJ, rnd, spanish=False)
        self.es_cum = _weights(len(self.es_words))
        self.en_cum = _weights(len(self.en_words))
        self.es_glue_cum = _weights(len(ES_GLUE), 0.8)
        self.en_glue_cum = _weights(len(EN_GLUE), 0.8)

    @staticmethod
    def _forms(
        verbs: list[str],
        endings: list[str],
        nouns: list[str],
        adjectives: list[str],
        rnd: random.Random,
        spanish: bool,
    ) -> list[str]:
        forms: list[str] = []
        for verb in verbs:
            stem = verb[:-2] if spanish else verb
            for ending in endings:
                if spanish:
                    forms.append(stem + ending)
                elif ending == "ed":
                    forms.append(verb + ("d" if verb.endswith("e") else "ed"))
                elif ending == "ing":
                    forms.append((verb[:-1] if verb.endswith("e") else verb) + "ing")
                else:
                    forms.append(verb + ending)
        for noun in nouns:
            forms.append(noun)
            vowel = noun[-1] in "aeiouáéíóú"
            forms.append(noun + ("s" if vowel or not spanish else "es"))
        forms.extend(adjectives)
        rnd.shuffle(forms)
        return list(dict.fromkeys(forms))

    def _pick(self, words: list[str], cum: list[float]) -> str:
        return self.random.choices(words, cum_weights=cum)[0]

    def identifier(self) -> str:
        r = self.random
        kind = r.randrange(7)
        if kind == 0:
            return f"PLT-{r.randrange(1, 5000)}"
        if kind == 1:
            host = r.choice(["docs", "wiki", "git", "www"])
            return f"https://{host}.empresa.es/{r.choice(EN_NOUNS)}/{r.randrange(1000)}"
        if kind == 2:
            extension = r.choice(["pdf", "xlsx", "png", "docx"])
            return f"{r.choice(ES_NOUNS)}_{r.randrange(100)}.{extension}"
        if kind == 3:
            return f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(256)}"
        if kind == 4:
            return f"{r.choice(EN_VERBS)}{r.choice(EN_NOUNS).capitalize()}()"
        if kind == 5:
            return f"{r.choice(EN_NOUNS)}_{r.choice(EN_NOUNS)}_id"
        return f"v{r.randrange(1, 9)}.{r.randrange(20)}.{r.randrange(30)}"

    def message(self) -> str:
        r = self.random
        spanish = r.random() < 0.6
        words, cum = (self.es_words, self.es_cum) if spanish else (self.en_words, self.en_cum)
        glue, glue_cum = (ES_GLUE, self.es_glue_cum) if spanish else (EN_GLUE, self.en_glue_cum)
        length = min(60, max(2, int(r.lognormvariate(2.3, 0.6))))
        out: list[str] = []
        for _ in range(length):
            roll = r.random()
            if roll < 0.42:
                out.append(self._pick(glue, glue_cum))
            elif roll < 0.47:  # code-switching: a word of the other language
                other = (self.en_words, self.en_cum) if spanish else (self.es_words, self.es_cum)
                out.append(self._pick(*other))
            else:
                out.append(self._pick(words, cum))
        if r.random() < 0.08:
            out.insert(r.randrange(len(out) + 1), self.identifier())
        if r.random() < 0.04:
            out.insert(0, f"@user{r.randrange(self.users):04d}")
        text = " ".join(out)
        text = text[0].upper() + text[1:]
        return text + r.choice([".", "", "", "?", "!", " 👍", ":"])
