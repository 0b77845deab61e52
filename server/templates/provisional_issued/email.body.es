Estimado(a) usuario(a):

Recibimos una solicitud para recuperar la Clave Sence (CS) del RUT {{rut}}.

Su Clave Sence provisoria es: {{clave}}

Esta clave es válida por {{hours}} horas y sólo sirve para cambiar su Clave Sence: no permite iniciar sesión en las plataformas del Sence. Para cambiarla:

1. Ingrese a {{url}} y pulse "Cambie su CS aquí", en el cuadro Persona Natural.
2. Escriba su RUT y, en "CS Actual", la clave provisoria {{clave}}. Pulse "Validar".
3. Escriba su nueva Clave Sence (entre 8 y 10 caracteres) en "CS Nueva" y en "Repetir CS Nueva", complete el Captcha y pulse "Cambiar Clave".

Si usted no pidió recuperar su clave, su Clave Sence anterior sigue siendo válida. Si cree que otra persona está usando su cuenta, abra este enlace y pulse «No fui yo»: la cuenta quedará congelada y la clave provisoria dejará de servir (el enlace vale 10 días):
{{no_fui_yo}}

Si tiene alguna consulta llámenos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
